/* site.js: the small amount of behaviour fa-learn pages add on top of plain HTML.
 *
 * 1. Highlights Python code blocks with CodeMirror's runmode (runmode-standalone.js and
 *    mode/python/python.js are loaded before this file); other languages stay plain.
 * 2. Adds a "Copy" button to every code block of the article (Clipboard API, with a
 *    select-and-execCommand fallback), announced through one polite live region.
 * 3. Pressing "/" outside a text field focuses the search box.
 * 4. Small layout help: tables get a wrapper that scrolls sideways on narrow screens, code
 *    blocks and tables that scroll become keyboard-focusable, and the phone-width course
 *    list (one sideways-scrolling row) shows the current page.
 * 5. Runnable examples: a block fenced as ```pyrun (class language-pyrun) is highlighted as
 *    Python and gets a "Try it" link next to its Copy button, to /sandbox#code=<base64url of
 *    the UTF-8 source>, which opens it in the sandbox's editor; a block whose first line is
 *    "# preset: NAME" adds &preset=NAME, which selects that preset there (content/README.md).
 *
 * Plain ES2017, no dependencies, nothing global. Every page works without it; every step
 * checks that what it needs exists and never throws on a page that lacks it. The page's
 * Content-Security-Policy forbids inline script and style attributes in the HTML: all
 * styling here is by class (site.css). */
(function () {
    'use strict';

    /* The site may be served under a path prefix (behind a proxy, --public-url): this
     * script's own address, PREFIX/static/js/NAME, tells which. */
    var BASE = document.currentScript
        ? new URL(document.currentScript.src).pathname.replace(/\/static\/js\/[^/]*$/, '')
        : '';

    var FEEDBACK_MS = 2000;
    var PYTHON_CLASSES = ['language-python', 'language-py', 'language-python3',
        'language-pyrun'];
    var RUNNABLE_CLASS = 'language-pyrun';

    /* The text of each code block as the server sent it, before highlighting (runmode
     * turns tabs into spaces; the copy must not). */
    var sourceText = new WeakMap();
    var liveRegion = null;

    function each(list, fn) {
        for (var i = 0; i < list.length; i++) {
            fn(list[i], i);
        }
    }

    function hasAnyClass(el, names) {
        if (!el || !el.classList) {
            return false;
        }
        for (var i = 0; i < names.length; i++) {
            if (el.classList.contains(names[i])) {
                return true;
            }
        }
        return false;
    }

    /* ---------- 1. Syntax highlighting ---------- */

    function highlightPython() {
        var cm = window.CodeMirror;
        if (!cm || typeof cm.runMode !== 'function') {
            return;
        }
        if (cm.modes && !cm.modes.python) {
            return; /* the Python mode did not load: leave the code plain */
        }
        each(document.querySelectorAll('pre > code'), function (code) {
            if (!hasAnyClass(code, PYTHON_CLASSES) || code.classList.contains('cm-s-default')) {
                return;
            }
            var text = code.textContent;
            if (!sourceText.has(code.parentNode)) {
                sourceText.set(code.parentNode, text);
            }
            /* cmark ends every block with a newline; runmode would add an empty last line. */
            var body = text.replace(/\n$/, '');
            try {
                cm.runMode(body, 'python', code);
                code.classList.add('cm-s-default');
            } catch (err) {
                code.textContent = text; /* a mode error must not lose the code */
            }
        });
    }

    /* ---------- 2. Copy buttons ---------- */

    /* The one polite live region of the page, made when the first copy button is: screen
     * readers may miss a message put into a region that has only just been inserted. */
    function ensureLiveRegion() {
        if (!liveRegion && document.body) {
            liveRegion = document.createElement('div');
            liveRegion.className = 'visually-hidden';
            liveRegion.setAttribute('aria-live', 'polite');
            liveRegion.setAttribute('aria-atomic', 'true');
            document.body.appendChild(liveRegion);
        }
        return liveRegion;
    }

    function announce(message) {
        if (!ensureLiveRegion()) {
            return;
        }
        /* Clear first so that the same message, said twice in a row, is announced twice. */
        liveRegion.textContent = '';
        window.setTimeout(function () {
            liveRegion.textContent = message;
        }, 50);
    }

    function textOf(pre) {
        var text = sourceText.has(pre) ? sourceText.get(pre) : pre.textContent;
        return text.replace(/\n$/, '');
    }

    /* Selects the code on the page and asks the browser to copy the selection. Returns true
     * when the browser says it copied. On failure the code stays selected, so that the
     * learner can press Ctrl+C (or Cmd+C) themselves. */
    function copyBySelection(pre) {
        var selection = window.getSelection ? window.getSelection() : null;
        if (!selection || !document.createRange) {
            return false;
        }
        var target = pre.querySelector('code') || pre;
        var range = document.createRange();
        range.selectNodeContents(target);
        selection.removeAllRanges();
        selection.addRange(range);
        var copied = false;
        try {
            copied = typeof document.execCommand === 'function' && document.execCommand('copy');
        } catch (err) {
            copied = false;
        }
        if (copied) {
            selection.removeAllRanges();
        }
        return Boolean(copied);
    }

    function copyCode(pre) {
        var text = textOf(pre);
        var clipboard = navigator.clipboard;
        if (clipboard && typeof clipboard.writeText === 'function') {
            var pending;
            try {
                pending = clipboard.writeText(text);
            } catch (err) {
                return Promise.resolve(copyBySelection(pre));
            }
            return Promise.resolve(pending).then(function () {
                return true;
            }, function () {
                /* Refused (permissions, insecure context, document not focused...). */
                return copyBySelection(pre);
            });
        }
        return Promise.resolve(copyBySelection(pre));
    }

    function copyKeys() {
        var ua = (navigator.userAgent || '') + ' ' + (navigator.platform || '');
        return /Mac|iPhone|iPad|iPod/.test(ua) ? '\u2318C' : 'Ctrl+C';
    }

    function showResult(button, copied) {
        if (button.faTimer) {
            window.clearTimeout(button.faTimer);
        }
        button.classList.remove('is-copied', 'is-failed');
        if (copied) {
            button.textContent = 'Copied';
            button.classList.add('is-copied');
            announce('Code copied to the clipboard');
        } else {
            button.textContent = 'Press ' + copyKeys();
            button.classList.add('is-failed');
            announce('Could not copy. The code is selected: press ' + copyKeys() + ' to copy it');
        }
        button.faTimer = window.setTimeout(function () {
            button.textContent = 'Copy';
            button.classList.remove('is-copied', 'is-failed');
            button.faTimer = 0;
        }, FEEDBACK_MS);
    }

    function onCopyClick(event) {
        var button = event.currentTarget;
        var block = button.parentNode;
        var pre = block ? block.querySelector('pre') : null;
        if (!pre) {
            return;
        }
        copyCode(pre).then(function (copied) {
            showResult(button, copied);
        }, function () {
            showResult(button, false);
        });
    }

    function addCopyButtons() {
        each(document.querySelectorAll('article pre'), function (pre) {
            var parent = pre.parentNode;
            if (!parent || (parent.classList && parent.classList.contains('code-block'))) {
                return; /* already done */
            }
            if (!sourceText.has(pre)) {
                sourceText.set(pre, pre.textContent);
            }
            var block = document.createElement('div');
            block.className = 'code-block';
            parent.insertBefore(block, pre);

            var button = document.createElement('button');
            button.type = 'button';
            button.className = 'copy-button';
            /* A block may name what it holds (the quiz's report: "Copy report"). */
            button.textContent = pre.getAttribute('data-copy-label') || 'Copy';
            button.setAttribute('aria-label', pre.getAttribute('data-copy-label') || 'Copy code');
            button.addEventListener('click', onCopyClick);

            /* The button comes first: it sits at the top right, and keyboard users reach
             * it before the code it copies. */
            block.appendChild(button);
            block.appendChild(pre);
            ensureLiveRegion();
        });
        markScrollable();
    }

    /* Tables go into a wrapper that scrolls sideways on narrow screens (site.css), instead of
     * the whole page scrolling. */
    function wrapTables() {
        each(document.querySelectorAll('article table'), function (table) {
            var parent = table.parentNode;
            if (!parent || (parent.classList && parent.classList.contains('table-scroll'))) {
                return;
            }
            var wrapper = document.createElement('div');
            wrapper.className = 'table-scroll';
            parent.insertBefore(wrapper, table);
            wrapper.appendChild(table);
        });
        markScrollable();
    }

    /* A code block or table wider than the page scrolls sideways; make it focusable so that
     * keyboard users can scroll it too (and only then, to keep the tab order short). */
    function markScrollable() {
        each(document.querySelectorAll('article pre, article .table-scroll'), function (box) {
            if (box.scrollWidth > box.clientWidth + 1) {
                if (!box.hasAttribute('tabindex')) {
                    box.setAttribute('tabindex', '0');
                    box.setAttribute('data-fa-scroll', '');
                }
            } else if (box.hasAttribute('data-fa-scroll')) {
                box.removeAttribute('tabindex');
                box.removeAttribute('data-fa-scroll');
            }
        });
    }

    /* On narrow screens the course list is one row that scrolls sideways (site.css); bring
     * the current page into view without moving the page itself. */
    function revealCurrentPage() {
        var list = document.querySelector('.sidebar ol');
        var current = list ? list.querySelector('a[aria-current="page"]') : null;
        if (!current || list.scrollWidth <= list.clientWidth) {
            return;
        }
        var itemBox = (current.parentNode || current).getBoundingClientRect();
        var listBox = list.getBoundingClientRect();
        var left = itemBox.left - listBox.left + list.scrollLeft;
        list.scrollLeft = Math.max(0, left - (list.clientWidth - itemBox.width) / 2);
    }

    /* ---------- 5. "Try it" links on runnable blocks ---------- */

    function base64Url(text) {
        var bytes = new TextEncoder().encode(text);
        var binary = '';
        for (var i = 0; i < bytes.length; i++) {
            binary += String.fromCharCode(bytes[i]);
        }
        return window.btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    }

    /* "# preset: NAME" as a runnable block's first line (the sandbox checks the name). */
    var PRESET_LINE = /^# preset: ([A-Za-z0-9_-]{1,64})[ \t]*(?:\r?\n|$)/;

    function tryLink(source) {
        var preset = PRESET_LINE.exec(source);
        return BASE + '/sandbox#code=' + base64Url(source) +
            (preset ? '&preset=' + preset[1] : '');
    }

    function addTryButtons() {
        if (typeof TextEncoder !== 'function' || typeof window.btoa !== 'function') {
            return;
        }
        /* --no-sandbox: no link to a run that cannot happen (issue 14). */
        if (document.body && document.body.getAttribute('data-sandbox') === 'off') {
            return;
        }
        each(document.querySelectorAll('article .code-block > pre > code.' + RUNNABLE_CLASS),
            function (code) {
                var pre = code.parentNode;
                var block = pre.parentNode;
                if (block.querySelector('.try-button')) {
                    return; /* already done */
                }
                var link = document.createElement('a');
                link.className = 'try-button';
                link.href = tryLink(textOf(pre));
                link.textContent = 'Try it';
                /* The accessible name starts with the visible text (WCAG 2.5.3, axe's
                 * label-content-name-mismatch). */
                link.setAttribute('aria-label', 'Try it: run this code in the sandbox');
                block.classList.add('is-runnable');
                block.insertBefore(link, pre);
            });
    }

    /* ---------- 3. "/" focuses the search box ---------- */

    function isTextEntry(el) {
        if (!el || el.nodeType !== 1) {
            return false;
        }
        if (el.isContentEditable) {
            return true;
        }
        var tag = el.tagName;
        if (tag === 'TEXTAREA' || tag === 'SELECT') {
            return true;
        }
        if (tag === 'INPUT') {
            var type = (el.getAttribute('type') || 'text').toLowerCase();
            return ['button', 'checkbox', 'radio', 'submit', 'reset', 'image', 'range',
                'color', 'file'].indexOf(type) === -1;
        }
        var role = el.getAttribute('role');
        return role === 'textbox' || role === 'searchbox' || role === 'combobox';
    }

    function onKeyDown(event) {
        if (event.key !== '/' || event.defaultPrevented || event.isComposing ||
            event.ctrlKey || event.metaKey || event.altKey) {
            return;
        }
        if (isTextEntry(event.target) || isTextEntry(document.activeElement)) {
            return;
        }
        var box = document.getElementById('search-q');
        if (!box || typeof box.focus !== 'function') {
            return;
        }
        event.preventDefault();
        box.focus();
        if (typeof box.select === 'function') {
            box.select();
        }
    }

    /* ---------- Start ---------- */

    function init() {
        var steps = [highlightPython, addCopyButtons, addTryButtons, wrapTables,
            revealCurrentPage];
        each(steps, function (step) {
            try {
                step();
            } catch (err) {
                /* One broken step must not stop the others. */
                if (window.console && console.error) {
                    console.error('fa-learn:', err);
                }
            }
        });

        var resizeTimer = 0;
        window.addEventListener('resize', function () {
            window.clearTimeout(resizeTimer);
            resizeTimer = window.setTimeout(markScrollable, 150);
        });
    }

    document.addEventListener('keydown', onKeyDown);
    if (document.readyState === 'loading') {
        document.addEventListener('DOMContentLoaded', init);
    } else {
        init();
    }
}());
