/* quiz.js: what the quiz page adds on top of its plain HTML form (which works without it).
 *
 * 1. Keeps the learner's unsent answers (and name and class code) in localStorage, one entry
 *    per quiz, so that a reload or a closed tab loses nothing. The entry is removed only when
 *    the server has confirmed the attempt: the result page carries a marker (#quiz-done) for
 *    it. A refused submission comes back as the quiz page with everything filled in by the
 *    server (data-refused), which then wins over what was kept. Answers are stored by option
 *    value, which is the option's place as shown in this attempt; so the attempt's token
 *    (signed by the server: its option order and start time) is kept with them, and put in
 *    the address (?attempt=), so that a reload asks the server for the same attempt again.
 *    A page opened afresh while answers are kept goes to their attempt; a page whose token
 *    the server no longer accepts keeps the typed answers only (the chosen ones were places
 *    in another order).
 * 2. Shows how many questions are answered, in the page's polite status line.
 * 3. Before submitting with questions unanswered, says how many, links the first one, and
 *    submits only when asked again.
 * 4. Remembers the reports this browser submitted (their ids, once the result page confirms
 *    the attempt was stored), and lists them on /quiz with their scores, read from the
 *    server's GET /api/report/<id>: a lost permalink loses nothing. No accounts.
 *
 * Plain ES2017, no dependencies, nothing global; styling by class only (the CSP forbids
 * inline style). */
(function () {
    'use strict';

    var CLASS_KEY = 'fa-learn-class'; /* set by join.js */

    /* The site may be served under a path prefix (behind a proxy, --public-url): this
     * script's own address, PREFIX/static/js/NAME, tells which. */
    var BASE = document.currentScript
        ? new URL(document.currentScript.src).pathname.replace(/\/static\/js\/[^/]*$/, '')
        : '';
    var REPORTS = 'fa-learn.quiz.reports';
    var MAX_REPORTS = 100;

    /* The report ids this browser submitted, newest first. */
    function keptReports() {
        try {
            var list = JSON.parse(window.localStorage.getItem(REPORTS) || '[]');
            return Array.isArray(list) ? list.filter(function (id) {
                return typeof id === 'string' && /^[0-9a-f]{32}$/.test(id);
            }) : [];
        } catch (e) {
            return [];
        }
    }

    function keepReports(list) {
        try {
            window.localStorage.setItem(REPORTS, JSON.stringify(list.slice(0, MAX_REPORTS)));
        } catch (e) {
            /* storage full or refused: the list is only a convenience */
        }
    }

    var done = document.getElementById('quiz-done');
    if (done && window.localStorage) {
        /* The result page: the attempt is stored, the kept answers can go, and the report
         * joins this browser's list (only when this browser sent it: a permalink opened from
         * elsewhere is someone else's). */
        try {
            var doneKey = 'fa-learn.quiz.' + done.getAttribute('data-quiz');
            var kept = JSON.parse(window.localStorage.getItem(doneKey) || 'null');
            if (kept && kept.sent) {
                window.localStorage.removeItem(doneKey);
                var report = done.getAttribute('data-report');
                keepReports([report].concat(keptReports().filter(function (id) {
                    return id !== report;
                })));
            }
        } catch (e) {
            /* nothing to do */
        }
        return;
    }

    var mine = document.getElementById('quiz-mine');
    if (mine && window.localStorage && window.fetch) {
        showReports(mine);
        return;
    }

    var form = document.getElementById('quiz-form');
    if (!form || !window.localStorage) {
        return;
    }
    var key = 'fa-learn.quiz.' + (form.getAttribute('data-quiz') || 'all');
    var total = Number(form.getAttribute('data-total')) || 0;
    var progress = document.getElementById('quiz-progress');
    var refused = form.hasAttribute('data-refused');
    var warned = false;

    function fields() {
        return form.querySelectorAll('input[name^="a."], input[name="name"], input[name="class"]');
    }

    var token = form.querySelector('input[type="hidden"][name="attempt"]').value;

    function snapshot() {
        var saved = { name: '', klass: '', answers: {}, attempt: token };
        var list = fields();
        for (var i = 0; i < list.length; i++) {
            var input = list[i];
            if (input.name === 'name') {
                saved.name = input.value;
            } else if (input.name === 'class') {
                saved.klass = input.value;
            } else if (input.type === 'text') {
                if (input.value) {
                    saved.answers[input.name] = input.value;
                }
            } else if (input.checked) {
                (saved.answers[input.name] = saved.answers[input.name] || []).push(input.value);
            }
        }
        return saved;
    }

    /* Fills the form from what was kept; the chosen options only when they were kept for
     * this very attempt (chosen is false otherwise: their values were places in another
     * order). */
    function restore(saved, chosen) {
        var list = fields();
        for (var i = 0; i < list.length; i++) {
            var input = list[i];
            if (input.type !== 'text' && !chosen) {
                continue;
            }
            var value = input.name === 'name' ? saved.name
                : input.name === 'class' ? saved.klass : saved.answers[input.name];
            if (value === undefined || value === null) {
                continue;
            }
            if (input.type === 'text') {
                input.value = String(value);
            } else if (Array.isArray(value)) {
                input.checked = value.indexOf(input.value) >= 0;
            }
        }
    }

    function answeredCount(saved) {
        return Object.keys(saved.answers).length;
    }

    function showProgress(saved) {
        if (!progress) {
            return;
        }
        var answered = answeredCount(saved);
        progress.textContent = answered + ' of ' + total + ' questions answered';
        progress.classList.toggle('is-complete', answered === total && total > 0);
    }

    function save(extra) {
        var saved = snapshot();
        showProgress(saved);
        if (extra) {
            Object.keys(extra).forEach(function (k) { saved[k] = extra[k]; });
        }
        try {
            window.localStorage.setItem(key, JSON.stringify(saved));
        } catch (e) {
            /* storage full or refused: the form still works */
        }
    }

    var here = new URL(window.location.href);
    var asked = here.searchParams.get('attempt');
    var stored = null;
    try {
        stored = JSON.parse(window.localStorage.getItem(key) || 'null');
    } catch (e) {
        /* a damaged entry is ignored; the next change overwrites it */
    }
    if (stored && (typeof stored !== 'object' || !stored.answers)) {
        stored = null;
    }
    if (!refused && stored && typeof stored.attempt === 'string' && stored.attempt &&
        stored.attempt !== token && asked !== stored.attempt) {
        /* Answers are kept for another attempt than this page's: open that one instead. */
        here.searchParams.set('attempt', stored.attempt);
        window.location.replace(here.toString());
        return;
    }
    if (!refused && !stored && asked) {
        /* An attempt whose answers were sent (or never kept): a new one. */
        here.searchParams.delete('attempt');
        window.location.replace(here.toString());
        return;
    }
    /* The class a join link kept (join.js): the page is asked for again with it, for the
     * class's rules and its pool of questions (issue 15); same attempt, so nothing is lost. */
    var joined = null;
    try {
        joined = window.localStorage.getItem(CLASS_KEY);
    } catch (e) {
        /* storage refused: the class code can still be typed */
    }
    if (!refused && joined && /^[A-Za-z0-9._-]{1,32}$/.test(joined) &&
        !here.searchParams.get('class')) {
        here.searchParams.set('class', joined);
        here.searchParams.set('attempt', token);
        window.location.replace(here.toString());
        return;
    }
    /* From now on a reload asks for this attempt (the refused page's address is the form's
     * POST, which a reload would send again). */
    here.pathname = here.pathname.replace(/\/quiz\/submit$/, '/quiz/' + (form.getAttribute('data-quiz') || 'all'));
    here.searchParams.set('attempt', token);
    window.history.replaceState(null, '', here.toString());

    if (refused) {
        /* The server sent the learner's form back with an error: what it filled in is what
         * was sent, so it is kept as is; focus goes to the first field in error, or to the
         * message about the attempt's token. */
        save();
        var invalid = form.querySelector('[aria-invalid="true"]') ||
            document.getElementById('quiz-refused');
        if (invalid) {
            invalid.focus();
        }
    } else {
        if (stored) {
            restore(stored, stored.attempt === token);
        }
        /* The class code a join link (/join/CODE) kept in this browser, when none is typed. */
        var klass = form.querySelector('input[name="class"]');
        if (klass && !klass.value && joined) {
            klass.value = joined;
        }
        save();
    }

    form.addEventListener('change', function () { save(); });
    form.addEventListener('input', function () { save(); });

    /* The first unanswered question, or null. */
    function firstUnanswered() {
        var saved = snapshot();
        var questions = form.querySelectorAll('.quiz-question');
        for (var i = 0; i < questions.length; i++) {
            var input = questions[i].querySelector('input');
            if (input && !(input.name in saved.answers)) {
                return questions[i];
            }
        }
        return null;
    }

    function warn(missing, first) {
        var box = document.getElementById('quiz-unanswered');
        if (!box) {
            box = document.createElement('div');
            box.id = 'quiz-unanswered';
            box.className = 'quiz-unanswered';
            box.setAttribute('role', 'alert');
            form.querySelector('.quiz-submit').insertAdjacentElement('beforebegin', box);
        }
        while (box.firstChild) {
            box.removeChild(box.firstChild);
        }
        var p = document.createElement('p');
        p.appendChild(document.createTextNode(missing + (missing === 1 ? ' question is' : ' questions are') +
            ' not answered yet. '));
        var link = document.createElement('a');
        link.href = '#' + first.id;
        link.textContent = 'Go to the first one';
        p.appendChild(link);
        p.appendChild(document.createTextNode(', or press Submit answers again to send them as they are.'));
        box.appendChild(p);
    }

    form.addEventListener('submit', function (event) {
        var first = firstUnanswered();
        if (first && !warned) {
            event.preventDefault();
            warned = true;
            warn(total - answeredCount(snapshot()), first);
            return;
        }
        /* Kept until the result page confirms the attempt was stored. */
        save({ sent: true });
    });

    /* /quiz: this browser's reports, each with its quiz, date and score as the server has
     * them; ids the server no longer knows (404) leave the list. */
    function showReports(section) {
        var ids = keptReports();
        var list = document.getElementById('quiz-mine-list');
        var titles = {};
        var links = document.querySelectorAll('.quiz-list a');
        for (var i = 0; i < links.length; i++) {
            titles[links[i].getAttribute('href').replace(/^.*\/quiz\//, '')] = links[i].textContent;
        }
        document.getElementById('quiz-mine-forget').addEventListener('click', function () {
            keepReports([]);
            section.hidden = true;
        });
        if (!ids.length) {
            return;
        }
        Promise.all(ids.map(function (id) {
            return window.fetch(BASE + '/api/report/' + id, { headers: { Accept: 'application/json' } })
                .then(function (r) {
                    if (r.status === 404) {
                        return { id: id, gone: true };
                    }
                    return r.ok ? r.json().then(function (j) { return { id: id, report: j }; })
                        : { id: id };
                })
                .catch(function () { return { id: id }; });
        })).then(function (results) {
            keepReports(results.filter(function (x) { return !x.gone; }).map(function (x) {
                return x.id;
            }));
            results.forEach(function (x) {
                if (x.gone) {
                    return;
                }
                var li = document.createElement('li');
                var a = document.createElement('a');
                a.href = BASE + '/report/' + x.id;
                if (x.report) {
                    var r = x.report;
                    a.textContent = titles[r.quiz] || r.quiz;
                    li.appendChild(a);
                    li.appendChild(document.createTextNode(' ' + r.score + ' / ' + r.max +
                        ' points (' + r.percent + '%), ' +
                        new Date(r.submitted_ms).toLocaleString() + ', ' + r.learner));
                } else {
                    a.textContent = 'Report ' + x.id.slice(0, 8);
                    li.appendChild(a);
                    li.appendChild(document.createTextNode(' (its score cannot be read right now)'));
                }
                li.className = 'quiz-mine-item';
                list.appendChild(li);
            });
            section.hidden = !list.children.length;
        });
    }
}());
