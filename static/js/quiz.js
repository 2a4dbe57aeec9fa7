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
 *
 * Plain ES2017, no dependencies, nothing global; styling by class only (the CSP forbids
 * inline style). */
(function () {
    'use strict';

    var done = document.getElementById('quiz-done');
    if (done && window.localStorage) {
        /* The result page: the attempt is stored, the kept answers can go. */
        try {
            var doneKey = 'fa-learn.quiz.' + done.getAttribute('data-quiz');
            var kept = JSON.parse(window.localStorage.getItem(doneKey) || 'null');
            if (kept && kept.sent) {
                window.localStorage.removeItem(doneKey);
            }
        } catch (e) {
            /* nothing to do */
        }
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
}());
