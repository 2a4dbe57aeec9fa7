/* sandbox.js: the /sandbox page (server/view/srv_sandbox_page.c renders the HTML it works on).
 *
 * 1. Turns <textarea id="sandbox-code"> into a CodeMirror 5 editor (Python mode, line
 *    numbers); without CodeMirror the plain textarea works the same.
 * 2. Run (the button, or Ctrl/Cmd+Enter) sends the code and the options to POST /api/run and
 *    shows the result: status and counters, stdout, stderr, the exception with the learner's
 *    traceback, and the trace as a table (denials carry a class and a visible "denied" label).
 *    Errors (400, 413, 415, 403, 429, 503, network) are said in the aria-live status line.
 * 3. The gallery <select> + Load puts an example into the editor and sets its options.
 * 4. #code=<base64url of UTF-8> in the URL (the wiki's "Try it" links) opens that code, and
 *    &preset=NAME after it selects that preset (an unknown name: fastaudit, and a message);
 *    "Copy link to this code" makes such a link. Otherwise the learner's last code (kept in
 *    localStorage as it is typed) comes back. Loading keeps the editor's undo history.
 *
 * Plain ES2017, strict, no framework, nothing global; every text from the server goes into
 * the page with textContent, never as HTML. */
(function () {
    'use strict';

    /* The site may be served under a path prefix (behind a proxy, --public-url): this
     * script's own address, PREFIX/static/js/NAME, tells which. */
    var BASE = document.currentScript
        ? new URL(document.currentScript.src).pathname.replace(/\/static\/js\/[^/]*$/, '')
        : '';

    var API = BASE + '/api/run';

    var el = {};
    var editor = null;
    var running = false;
    var sandboxOff = false; /* the site runs with --no-sandbox */
    var OFF_TEXT = 'The sandbox is switched off on this site: code cannot be run here. You ' +
        'can still read and edit the examples; the study wiki explains what they do.';
    var classInfo = {}; /* class name -> {explain, wiki}, read from the page's legend */

    function $(id) {
        return document.getElementById(id);
    }

    function make(tag, className, text) {
        var node = document.createElement(tag);
        if (className) {
            node.className = className;
        }
        if (text !== undefined && text !== null) {
            node.textContent = String(text);
        }
        return node;
    }

    function clear(node) {
        while (node.firstChild) {
            node.removeChild(node.firstChild);
        }
    }

    /* ---------- The editor ---------- */

    function getCode() {
        return editor ? editor.getValue() : el.code.value;
    }

    /* Puts text in the editor as one undoable change (Ctrl+Z brings the learner's code
     * back), with the cursor and the view at the top-left: the start of every line shows
     * (issue 14: the editor used to open scrolled to the end of the last line, and a load
     * cleared the undo history). */
    function setCode(text) {
        if (editor) {
            var last = editor.lastLine();
            editor.replaceRange(text, { line: 0, ch: 0 },
                { line: last, ch: editor.getLine(last).length }, '+load');
            editor.focus();
            editor.setCursor({ line: 0, ch: 0 });
            editor.scrollTo(0, 0);
        } else {
            el.code.value = text;
            el.code.setSelectionRange(0, 0);
            el.code.scrollTop = 0;
            el.code.scrollLeft = 0;
        }
        saveCode();
    }

    /* ---------- The learner's code, kept in this browser ---------- */

    var SAVED_CODE = 'fa-learn.sandbox.code';
    var saveTimer = null;

    function saveCode() {
        window.clearTimeout(saveTimer);
        saveTimer = null;
        try {
            window.localStorage.setItem(SAVED_CODE, getCode());
        } catch (e) {
            /* storage refused: nothing is kept, the page still works */
        }
    }

    function saveCodeSoon() {
        if (saveTimer === null) {
            saveTimer = window.setTimeout(saveCode, 300);
        }
    }

    function savedCode() {
        try {
            return window.localStorage.getItem(SAVED_CODE);
        } catch (e) {
            return null;
        }
    }

    function isRunKey(event) {
        return event.key === 'Enter' && (event.ctrlKey || event.metaKey);
    }

    function setUpEditor() {
        var cm = window.CodeMirror;
        var narrow = window.matchMedia('(max-width: 40rem)');
        if (cm && typeof cm.fromTextArea === 'function') {
            try {
                editor = cm.fromTextArea(el.code, {
                    mode: 'python',
                    lineNumbers: true,
                    indentUnit: 4,
                    tabSize: 4,
                    indentWithTabs: false,
                    viewportMargin: Infinity,
                    /* Narrow screens wrap long lines rather than hide their ends. */
                    lineWrapping: narrow.matches,
                    extraKeys: {
                        'Ctrl-Enter': function () { run(); },
                        'Cmd-Enter': function () { run(); },
                        /* Tab indents with spaces; Esc then Tab leaves the editor (below). */
                        Tab: function (instance) {
                            if (instance.somethingSelected()) {
                                instance.indentSelection('add');
                            } else {
                                instance.replaceSelection('    ', 'end');
                            }
                        },
                        'Shift-Tab': function (instance) { instance.indentSelection('subtract'); },
                        Esc: function (instance) { instance.getInputField().blur(); }
                    }
                });
                narrow.addEventListener('change', function () {
                    editor.setOption('lineWrapping', narrow.matches);
                });
                editor.on('changes', saveCodeSoon);
                var input = editor.getInputField();
                input.setAttribute('aria-label', 'Python code (press Escape, then Tab, to leave)');
                editor.getWrapperElement().classList.add('sandbox-editor');
            } catch (err) {
                editor = null; /* the plain textarea still works */
            }
        }
        if (!editor) {
            el.code.addEventListener('input', saveCodeSoon);
            el.code.addEventListener('keydown', function (event) {
                if (isRunKey(event)) {
                    event.preventDefault();
                    run();
                }
            });
        }
    }

    /* ---------- #code=<base64url> ---------- */

    function decodeBase64Url(text) {
        var b64 = text.replace(/-/g, '+').replace(/_/g, '/');
        while (b64.length % 4) {
            b64 += '=';
        }
        var binary = window.atob(b64);
        var bytes = new Uint8Array(binary.length);
        for (var i = 0; i < binary.length; i++) {
            bytes[i] = binary.charCodeAt(i);
        }
        return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    }

    /* The preset names the page offers (its select is the one list); '' when name is none. */
    function knownPreset(name) {
        var options = el.preset ? el.preset.options : [];
        for (var i = 0; i < options.length; i++) {
            if (options[i].value === name) {
                return name;
            }
        }
        return '';
    }

    /* #code=<b64>, optionally followed by &preset=NAME (a wiki block that starts with
     * "# preset: NAME", content/README.md): the code, and the preset it is meant for. */
    function loadFromHash() {
        var match = /^#code=([A-Za-z0-9_-]*={0,2})(?:&preset=([A-Za-z0-9_%-]{1,64}))?$/.exec(
            window.location.hash || '');
        var code;
        if (!match) {
            return false;
        }
        try {
            code = decodeBase64Url(match[1]);
        } catch (err) {
            say('The link\'s code could not be read (it is not valid base64url UTF-8).', 'error');
            return false;
        }
        setCode(code);
        if (match[2] === undefined) {
            say('Code loaded from the link. Press Run to run it.', 'info');
            return true;
        }
        var wanted;
        try {
            wanted = decodeURIComponent(match[2]);
        } catch (err) {
            wanted = match[2];
        }
        var preset = knownPreset(wanted);
        if (el.preset) {
            el.preset.value = preset || 'fastaudit';
        }
        if (preset) {
            say('Code loaded from the link, with the preset ' + preset + '. Press Run to run it.',
                'info');
        } else {
            say('Code loaded from the link, but it asks for an unknown preset "' + wanted +
                '": the fastaudit preset is selected instead. Press Run to run it.', 'warn');
        }
        return true;
    }

    function encodeBase64Url(text) {
        var bytes = new TextEncoder().encode(text);
        var binary = '';
        for (var i = 0; i < bytes.length; i++) {
            binary += String.fromCharCode(bytes[i]);
        }
        return window.btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    }

    /* A "Copy link to this code" button beside Run: the #code= link the wiki uses. */
    function addCopyLink() {
        if (!navigator.clipboard || typeof TextEncoder !== 'function') {
            return;
        }
        var button = make('button', 'sandbox-copy-link', 'Copy link to this code');
        button.type = 'button';
        button.id = 'sandbox-copy-link';
        button.addEventListener('click', function () {
            var preset = el.preset && el.preset.value !== 'fastaudit' ? el.preset.value : '';
            var url = window.location.origin + BASE + '/sandbox#code=' +
                encodeBase64Url(getCode()) + (preset ? '&preset=' + preset : '');
            navigator.clipboard.writeText(url).then(function () {
                say('Link copied: it opens this code in the sandbox.', 'info');
            }, function () {
                say('The link could not be copied (the browser refused the clipboard).', 'error');
            });
        });
        el.run.insertAdjacentElement('afterend', button);
    }

    /* ---------- The gallery ---------- */

    function exampleCode(name) {
        var templates = document.querySelectorAll('template.sandbox-example');
        for (var i = 0; i < templates.length; i++) {
            if (templates[i].getAttribute('data-example') === name) {
                var t = templates[i];
                return (t.content ? t.content.textContent : t.textContent);
            }
        }
        return null;
    }

    function selectedExample() {
        var select = el.gallery;
        return select && select.selectedIndex > 0 ? select.options[select.selectedIndex] : null;
    }

    function showConcept() {
        var option = selectedExample();
        if (!el.concept) {
            return;
        }
        clear(el.concept);
        if (!option) {
            return;
        }
        el.concept.appendChild(document.createTextNode(option.getAttribute('data-concept') || ''));
        var wiki = option.getAttribute('data-wiki');
        if (wiki && wiki.indexOf('/wiki/') === 0) {
            el.concept.appendChild(document.createTextNode(' '));
            var link = make('a', null, 'Read about it in the wiki');
            link.href = BASE + wiki;
            el.concept.appendChild(link);
        }
    }

    /* The # args: line of an example holds fa-learn run flags; set the matching options. */
    function applyArgs(args) {
        var words = (args || '').split(/\s+/).filter(Boolean);
        el.monitoring.checked = words.indexOf('--no-monitoring') === -1;
        el.disable.checked = words.indexOf('--no-disable') === -1;
        var p = words.indexOf('--preset');
        if (el.preset) {
            el.preset.value = p !== -1 && words[p + 1] ? words[p + 1] : 'fastaudit';
        }
        var t = words.indexOf('--time-limit');
        if (t !== -1 && words[t + 1]) {
            var wanted = Number(words[t + 1]);
            var best = el.time.options[0];
            for (var i = 0; i < el.time.options.length; i++) {
                if (Number(el.time.options[i].value) <= wanted) {
                    best = el.time.options[i];
                }
            }
            el.time.value = best.value;
        }
    }

    function loadExample() {
        var option = selectedExample();
        if (!option) {
            say('Choose an example first.', 'info');
            return;
        }
        var code = exampleCode(option.value);
        if (code === null) {
            return;
        }
        setCode(code);
        applyArgs(option.getAttribute('data-args'));
        say('Loaded the example "' + option.textContent + '". Press Run to run it.', 'info');
    }

    /* ---------- Status line ---------- */

    function say(message, kind) {
        el.status.textContent = message;
        el.status.className = 'sandbox-status' + (kind ? ' is-' + kind : '');
    }

    /* ---------- Running ---------- */

    function options() {
        var request = {
            code: getCode(),
            monitoring: el.monitoring.checked,
            disable: el.disable.checked,
            safe_native: el.safeNative.value.split(',').map(function (s) {
                return s.trim();
            }).filter(Boolean),
            time_limit_ms: Number(el.time.value) || 5000,
            preset: el.preset.value || 'fastaudit'
        };
        if (el.stdin && el.stdin.value) {
            request.stdin = el.stdin.value;
        }
        /* The class a join link (/join/CODE, join.js) kept in this browser: the instructor
         * sees what the class's runs ran into. */
        try {
            var joined = window.localStorage.getItem('fa-learn-class');
            if (joined && /^[A-Za-z0-9._-]{1,32}$/.test(joined)) {
                request['class'] = joined;
            }
        } catch (err) {
            /* storage refused: the run is recorded without a class */
        }
        return request;
    }

    function setBusy(busy) {
        running = busy;
        el.run.disabled = busy;
        el.run.textContent = busy ? 'Running\u2026' : 'Run';
        el.results.setAttribute('aria-busy', busy ? 'true' : 'false');
    }

    function errorMessage(status, body, retryAfter) {
        var detail = body && typeof body.error === 'string' ? body.error : '';
        switch (status) {
        case 400:
            return 'The request was refused: ' + (detail || 'bad request') + '.';
        case 413:
            return 'Your code is too large to run' + (detail ? ': ' + detail : '') + '.';
        case 415:
            return 'The request was refused: ' + (detail || 'it must be JSON') + '.';
        case 403:
            return 'The server refused the run' + (detail ? ': ' + detail : '') + '.';
        case 429:
            return 'The sandbox is busy with other runs. Try again' +
                (retryAfter ? ' in ' + retryAfter + ' s' : ' in a moment') + '.';
        case 503:
            return 'The sandbox is restarting or unavailable. Try again in a few seconds.';
        default:
            return 'The server answered ' + status + (detail ? ': ' + detail : '') + '.';
        }
    }

    function run() {
        if (sandboxOff) {
            say(OFF_TEXT, 'info');
            return;
        }
        if (running) {
            return;
        }
        var body;
        try {
            body = JSON.stringify(options());
        } catch (err) {
            say('Could not prepare the request.', 'error');
            return;
        }
        setBusy(true);
        unmarkLine(); /* the mark was the last run's */
        say('Running\u2026', 'info');
        var httpStatus = 0;
        var retryAfter = null;
        window.fetch(API, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
            body: body,
            credentials: 'same-origin',
            cache: 'no-store'
        }).then(function (response) {
            httpStatus = response.status;
            retryAfter = response.headers.get('Retry-After');
            return response.json().catch(function () { return null; });
        }).then(function (data) {
            setBusy(false);
            if (httpStatus === 200 && data && typeof data.status === 'string') {
                render(data);
            } else {
                say(errorMessage(httpStatus, data, retryAfter), 'error');
            }
            showResults();
        }, function () {
            setBusy(false);
            say('Could not reach the server (network error). Check your connection and try ' +
                'again.', 'error');
        });
    }

    /* ---------- Results ---------- */

    /* When the results start below the screen (a phone), scrolls them into view and moves
     * focus to the status line, which screen readers then read (issue 14: on a phone a run
     * seemed to do nothing). On a wide screen they are beside the editor: focus stays. */
    function showResults() {
        var box = el.status.getBoundingClientRect();
        if (box.top >= 0 && box.bottom <= window.innerHeight) {
            return;
        }
        el.status.setAttribute('tabindex', '-1');
        el.status.scrollIntoView({ block: 'start' });
        el.status.focus({ preventScroll: true });
    }

    function plural(n, word) {
        return n + ' ' + word + (n === 1 ? '' : 's');
    }

    /* The exit status a SystemExit stands for, as Python's own exit would give it: no
     * argument or None is 0, an integer is itself, anything else (a message) is 1. */
    function exitStatus(exc) {
        var text = String(exc.message || '').trim();
        if (text === '' || text === 'None') {
            return 0;
        }
        return /^-?\d+$/.test(text) ? Number(text) : 1;
    }

    var DENIED_BY_TEXT = { 'os-layer': 'the OS layer (the jail)' };

    /* The one reading of a result that the status line, the counters and the exception box
     * all show (issue 14: the status line once said "1 denial" beside "Denied 0", and
     * "Finished: no exception" above a red SystemExit box). */
    function outcome(r) {
        var trace = Array.isArray(r.trace) ? r.trace : [];
        var c = r.counters || {};
        var exc = r.exception && typeof r.exception === 'object' ? r.exception : null;
        var o = {
            events: Number(c.events) || 0,
            allowed: Number(c.allowed) || 0,
            denied: Number(c.denied) || 0,
            osDenied: trace.filter(function (e) {
                return e['class'] === 'os-layer' && e.decision === 'deny';
            }).length,
            exit: exc && exc.type === 'SystemExit' ? exitStatus(exc) : null,
            kind: 'error',
            status: r.status,
            message: ''
        };
        if (r.status === 'ok' && o.exit !== null) {
            o.status = 'exit ' + o.exit;
            o.message = o.exit === 0
                ? 'Finished: your code called sys.exit() with exit status 0 (success).'
                : 'Ended by sys.exit(): exit status ' + o.exit + ', which means failure.';
            o.kind = o.exit === 0 ? 'ok' : 'warn';
        } else if (r.status === 'ok') {
            o.message = 'Finished: no exception.';
            o.kind = 'ok';
        } else if (r.status === 'error') {
            o.message = 'Your code raised ' + (exc && exc.type ? exc.type : 'an exception') +
                ' (see below).';
            o.kind = 'warn';
        } else if (r.status === 'denied') {
            o.message = r.denied_by === 'os-layer'
                ? 'Stopped by the OS layer: the jail refused what FastAudit allowed (see the ' +
                  'highlighted row of the trace).'
                : 'Stopped by a FastAudit denial: see the highlighted rows of the trace.';
        } else if (r.status === 'limit') {
            o.message = r.limit ? 'Stopped by the ' + r.limit + ' limit.' : 'Stopped by a limit.';
        } else if (r.status === 'crash') {
            o.message = r.signal ? 'The run crashed (' + r.signal + '): the sandbox survived it.'
                : 'The run crashed: the sandbox survived it.';
        } else {
            o.message = 'Finished with status ' + r.status + '.';
        }
        return o;
    }

    function tallyText(o) {
        var text = plural(o.events, 'audit event') + ': ' + o.allowed + ' allowed, ' +
            o.denied + ' denied by FastAudit';
        if (o.osDenied) {
            text += '; ' + o.osDenied + ' refused by the OS layer';
        }
        return text + '.';
    }

    function renderSummary(r, o) {
        var dl = el.summary;
        clear(dl);
        function row(term, value, key) {
            var wrap = make('div', 'sandbox-summary-item');
            if (key) {
                wrap.setAttribute('data-key', key);
            }
            wrap.appendChild(make('dt', null, term));
            wrap.appendChild(make('dd', null, value));
            dl.appendChild(wrap);
        }
        var ms = typeof r.duration_ms === 'number' ? r.duration_ms.toFixed(1) + ' ms' : '?';
        row('Status', o.status, 'status');
        row('Run time', ms);
        if (r.limit) {
            row('Limit', r.limit, 'limit');
        }
        if (r.signal) {
            row('Signal', r.signal, 'signal');
        }
        if (typeof r.note === 'string' && r.note) {
            row('What ended it', r.note, 'note');
        }
        if (typeof r.denied_by === 'string' && r.denied_by) {
            row('Denied by', DENIED_BY_TEXT[r.denied_by] || r.denied_by, 'denied-by');
        }
        var c = r.counters || {};
        row('Audit events', String(o.events), 'events');
        row('Allowed', String(o.allowed), 'allowed');
        row('Denied by FastAudit', String(o.denied), 'denied');
        row('Refused by the OS layer', String(o.osDenied), 'os-denied');
        row('Monitoring callbacks', String(c.monitor_callbacks || 0));
        row('Sites disabled', String(c.sites_disabled || 0));
        row('Native calls', String(c.native_calls || 0));
        row('Divergences (FastAudit vs hardened)', String(c.divergences || 0), 'divergences');
        // The OS layer that held the run (the second line of defence), whatever ended it.
        var j = r.jail;
        if (j && typeof j === 'object') {
            var on = function (flag) { return flag ? 'on' : 'off'; };
            row('Jail', 'seccomp ' + on(j.seccomp) + ' · Landlock ' +
                (j.landlock_abi ? 'ABI ' + j.landlock_abi : 'off') + ' · no_new_privs ' +
                on(j.no_new_privs) + ' · rlimits ' + on(j.rlimits) + ' · ids ' +
                (j.ids_switched ? 'switched' : 'kept') + ' · network namespace ' + on(j.netns) +
                (j.disk_quota_mb ? ' · disk quota ' + j.disk_quota_mb + ' MiB' : ''), 'jail');
        }
        dl.hidden = false;
    }

    function renderPane(pane, text, truncated, empty, invalid) {
        clear(pane);
        if (text) {
            pane.appendChild(document.createTextNode(text));
        } else {
            pane.appendChild(make('span', 'sandbox-empty', empty));
        }
        if (truncated) {
            pane.appendChild(make('span', 'sandbox-truncated', '\n[truncated: the output limit was reached]'));
        }
        if (invalid) {
            pane.appendChild(make('span', 'sandbox-truncated sandbox-invalid-utf8',
                '\n[some bytes were not UTF-8: each is shown as \ufffd]'));
        }
    }

    /* ---------- Errors that teach (issue 14) ---------- */

    var markedLine = null; /* the editor line marked for a SyntaxError */

    /* The mark stays while the code is as it was run, and goes at the learner's first edit
     * (the line may no longer be the one in error) or at the next run. */
    function unmarkLine() {
        if (editor && markedLine !== null) {
            editor.removeLineClass(markedLine, 'background', 'sandbox-error-line');
            editor.off('change', unmarkLine);
        }
        markedLine = null;
    }

    function markLine(line) {
        unmarkLine();
        if (editor && line >= 1 && line <= editor.lineCount()) {
            markedLine = editor.addLineClass(line - 1, 'background', 'sandbox-error-line');
            editor.on('change', unmarkLine);
        }
    }

    /* The line under the shown one: the text up to the error again, but invisible, then
     * the caret. Taking the same characters (offset is 1-based, in code points as Python
     * counts them) lines the caret up whatever they are: tabs, wide letters, emoji. */
    function caretLine(label, text, offset, width) {
        var line = make('span', 'sandbox-syntax-caret');
        line.appendChild(document.createTextNode('\n' + ' '.repeat(label.length)));
        line.appendChild(make('span', 'sandbox-syntax-under',
            Array.from(text).slice(0, offset - 1).join('')));
        line.appendChild(document.createTextNode('^'.repeat(Math.min(width, 80))));
        return line;
    }

    /* Below the message: where a SyntaxError is (the line, a caret under the error), the
     * exceptions this one was raised from or during, and why input() found nothing. */
    function renderExplanation(exc) {
        var box = el.exception;
        var extra = box.querySelector('.sandbox-exception-extra');
        if (!extra) {
            extra = make('div', 'sandbox-exception-extra');
            box.querySelector('.sandbox-exception-message').insertAdjacentElement('afterend', extra);
        }
        clear(extra);
        unmarkLine();
        var syntax = exc.syntax;
        if (syntax && typeof syntax === 'object' && syntax.line >= 1) {
            var label = 'line ' + syntax.line + ' | ';
            var text = String(syntax.text || '').replace(/[\r\n]+$/, '');
            var pre = make('pre', 'sandbox-syntax', label + text);
            if (syntax.offset >= 1) {
                var width = syntax.end_offset > syntax.offset ? syntax.end_offset - syntax.offset : 1;
                pre.appendChild(caretLine(label, text, syntax.offset, width));
            }
            pre.setAttribute('aria-label', 'The line with the syntax error, a caret under it');
            extra.appendChild(pre);
            extra.appendChild(make('p', 'sandbox-exception-note',
                'Python could not read line ' + syntax.line + ' (marked in the editor), so ' +
                'none of the code ran.'));
            markLine(syntax.line);
        }
        for (var link = exc.cause, n = 0; link && typeof link === 'object' && n < 3;
            link = link.cause, n++) {
            var where = link.line >= 1 ? ' (line ' + link.line + ')' : '';
            var p = make('p', 'sandbox-exception-cause');
            p.appendChild(document.createTextNode(link.kind === 'cause'
                ? 'Raised from ' : 'While handling '));
            p.appendChild(make('strong', null, link.type || 'Exception'));
            p.appendChild(document.createTextNode(': ' + (link.message || '') + where +
                (link.kind === 'cause' ? ' (raise \u2026 from \u2026)' : ', another exception happened')));
            extra.appendChild(p);
        }
        if (exc.type === 'EOFError' && /EOF when reading a line/.test(exc.message || '')) {
            extra.appendChild(make('p', 'sandbox-exception-note sandbox-input-note',
                'Runs have no keyboard: input() reads the run\'s standard input, and it was ' +
                'empty' + (el.stdin ? '. Type what your code should read in the Input box ' +
                'under the editor, one line per input() call.' : '.')));
            if (el.stdin) {
                el.stdin.closest('details').open = true;
            }
        }
    }

    function renderException(exc, exit) {
        var box = el.exception;
        var heading = box.querySelector('h3');
        /* sys.exit() is a way to end, not an error: a neutral box that says so. */
        box.classList.toggle('is-exit', exit !== null);
        if (heading) {
            heading.textContent = exit === null ? 'Exception'
                : 'Exit (sys.exit raised SystemExit, exit status ' + exit + ')';
        }
        var message = box.querySelector('.sandbox-exception-message');
        var list = box.querySelector('.sandbox-traceback');
        clear(message);
        clear(list);
        if (!exc) {
            box.hidden = true;
            unmarkLine();
            return;
        }
        message.appendChild(make('strong', null, exc.type || 'Exception'));
        message.appendChild(document.createTextNode(': '));
        message.appendChild(make('span', 'sandbox-exception-text', exc.message || ''));
        renderExplanation(exc);
        (exc.traceback || []).forEach(function (frame) {
            var item = make('li');
            item.appendChild(make('span', 'sandbox-frame',
                'line ' + frame.line + ', in ' + frame.function));
            if (frame.text) {
                item.appendChild(make('code', 'sandbox-frame-text', frame.text));
            }
            list.appendChild(item);
        });
        box.hidden = false;
    }

    /* An event name that may wrap after each dot, and nowhere else (issue 14: names broke
     * anywhere, or squeezed the Reason column to one word per line). */
    function eventCode(name) {
        var code = make('code');
        String(name).split('.').forEach(function (part, i) {
            if (i) {
                code.appendChild(document.createTextNode('.'));
                code.appendChild(document.createElement('wbr'));
            }
            code.appendChild(document.createTextNode(part));
        });
        return code;
    }

    /* The class as a disclosure button: its explanation opens in a row under this one, by
     * click, tap or keyboard (issue 14: a title tooltip reached neither touch nor keys). */
    function classCell(name, row, n) {
        var td = make('span', 'trace-class');
        var info = classInfo[name];
        if (!info) {
            td.appendChild(make('code', null, name));
            return td;
        }
        var button = make('button', 'trace-class-toggle', name);
        button.type = 'button';
        button.setAttribute('aria-expanded', 'false');
        button.setAttribute('aria-controls', 'trace-explain-' + n);
        button.addEventListener('click', function () {
            var open = button.getAttribute('aria-expanded') === 'true';
            var next = row.nextElementSibling;
            var explain = next && next.classList.contains('trace-explain') ? next : null;
            if (!explain) {
                explain = make('tr', 'trace-explain');
                var cell = make('td');
                cell.id = 'trace-explain-' + n;
                cell.colSpan = 4;
                cell.appendChild(make('strong', null, name + ': '));
                cell.appendChild(document.createTextNode(info.explain + ' '));
                if (info.wiki) {
                    var link = make('a', null, 'Read about ' + name + ' in the wiki');
                    link.href = info.wiki;
                    cell.appendChild(link);
                }
                explain.appendChild(cell);
                row.insertAdjacentElement('afterend', explain);
            }
            explain.hidden = open;
            button.setAttribute('aria-expanded', open ? 'false' : 'true');
        });
        td.appendChild(button);
        return td;
    }

    function renderTrace(trace, r) {
        var tbody = el.trace.tBodies[0];
        clear(tbody);
        var seen = {};
        if (!trace.length) {
            var tr = make('tr', 'sandbox-trace-empty');
            var td = make('td', null, 'No audit decisions: the code raised no event the engine judged.');
            td.colSpan = 4;
            tr.appendChild(td);
            tbody.appendChild(tr);
        }
        trace.forEach(function (e, n) {
            var denied = e.decision === 'deny';
            var row = make('tr', denied ? 'trace-deny' : 'trace-allow');
            if (e['class'] === 'os-layer') {
                row.classList.add('trace-os-layer');
            }
            var decision = make('td', 'trace-decision');
            decision.appendChild(make('span', denied ? 'trace-label trace-label-deny'
                : 'trace-label trace-label-allow', denied ? 'denied' : 'allowed'));
            /* The class sits under the decision, in one column: a fifth column left the
             * reason too little room beside the editor. */
            decision.appendChild(classCell(e['class'], row, n));
            row.appendChild(decision);
            var ev = make('td', 'trace-event');
            ev.appendChild(eventCode(e.event));
            row.appendChild(ev);
            var args = make('td', 'trace-args');
            args.appendChild(make('code', null, e.args));
            row.appendChild(args);
            var reason = make('td', 'trace-reason', e.reason);
            if (typeof e.note === 'string' && e.note) {
                /* Issue 12: the other rule set (FastAudit's or the hardened one) would have
                 * decided this event otherwise. */
                row.classList.add('trace-divergent');
                reason.appendChild(make('span', 'trace-note', e.note));
            }
            row.appendChild(reason);
            tbody.appendChild(row);
            seen[e['class']] = true;
        });
        /* Say when the trace is not whole: the engine's cap, or the result's size limit. */
        var missing = [];
        if (Number(r.trace_dropped) > 0) {
            missing.push(plural(Number(r.trace_dropped), 'later decision') +
                ' not recorded (the trace holds a limited number)');
        }
        if (r.trace_truncated === true) {
            missing.push('the trace was shortened to fit the result\'s size limit');
        }
        if (missing.length) {
            var more = make('tr', 'sandbox-trace-missing');
            var cell = make('td', null, 'Not shown: ' + missing.join('; ') + '.');
            cell.colSpan = 4;
            more.appendChild(cell);
            tbody.appendChild(more);
        }
        /* Point out in the legend which classes this run used. */
        var items = document.querySelectorAll('#sandbox-classes [data-class]');
        for (var i = 0; i < items.length; i++) {
            items[i].classList.toggle('is-seen', Boolean(seen[items[i].getAttribute('data-class')]));
        }
    }

    function render(r) {
        var trace = Array.isArray(r.trace) ? r.trace : [];
        var o = outcome(r);
        var ms = typeof r.duration_ms === 'number' ? ' ' + r.duration_ms.toFixed(1) + ' ms.' : '';
        say(o.message + ' ' + tallyText(o) + ms, o.kind);
        renderSummary(r, o);
        renderPane(el.stdout, r.stdout, r.stdout_truncated, '(nothing printed)',
            r.stdout_invalid_utf8 === true);
        renderPane(el.stderr, r.stderr, r.stderr_truncated, '(nothing)',
            r.stderr_invalid_utf8 === true);
        renderException(r.exception, o.exit);
        renderTrace(trace, r);
    }

    /* ---------- Start ---------- */

    function readClassInfo() {
        var items = document.querySelectorAll('#sandbox-classes dd[data-class]');
        for (var i = 0; i < items.length; i++) {
            var link = items[i].querySelector('a');
            var explain = items[i].textContent.replace(/\s*Read more\s*$/, '');
            classInfo[items[i].getAttribute('data-class')] = {
                explain: explain,
                /* data-wiki is a site path; a link's href already has the prefix. */
                wiki: items[i].getAttribute('data-wiki')
                    ? BASE + items[i].getAttribute('data-wiki')
                    : (link ? link.getAttribute('href') : '')
            };
        }
    }

    function init() {
        el.code = $('sandbox-code');
        el.form = $('sandbox-form');
        el.run = $('sandbox-run');
        el.status = $('sandbox-status');
        el.summary = $('sandbox-summary');
        el.stdout = $('sandbox-stdout');
        el.stderr = $('sandbox-stderr');
        el.exception = $('sandbox-exception');
        el.trace = $('sandbox-trace');
        el.monitoring = $('opt-monitoring');
        el.disable = $('opt-disable');
        el.safeNative = $('opt-safe-native');
        el.time = $('opt-time');
        el.preset = $('opt-preset');
        el.stdin = $('sandbox-stdin');
        el.gallery = $('sandbox-gallery');
        el.concept = $('sandbox-concept');
        el.results = document.querySelector('.sandbox-results');
        if (!el.code || !el.form || !el.status || !el.trace || !el.results) {
            return; /* not the sandbox page */
        }
        /* --no-sandbox: said once, for good, rather than "try again" (issue 14). The
         * stylesheet hides Run; the editor and the examples still work for reading. */
        sandboxOff = document.body.getAttribute('data-sandbox') === 'off';
        readClassInfo();
        setUpEditor();
        el.form.addEventListener('submit', function (event) {
            event.preventDefault();
            run();
        });
        if (el.gallery) {
            el.gallery.addEventListener('change', showConcept);
            showConcept();
            var load = $('sandbox-load');
            if (load) {
                load.addEventListener('click', loadExample);
            }
        }
        if (!loadFromHash()) {
            var kept = savedCode();
            if (kept && kept !== getCode()) {
                setCode(kept);
                say('Your code from last time is back. Press Run to run it.', 'info');
            }
        }
        window.addEventListener('hashchange', loadFromHash);
        addCopyLink();
        if (sandboxOff) {
            say(OFF_TEXT, 'info');
        }
        document.documentElement.classList.add('sandbox-ready');
    }

    if (document.readyState === 'loading') {
        document.addEventListener('DOMContentLoaded', init);
    } else {
        init();
    }
}());
