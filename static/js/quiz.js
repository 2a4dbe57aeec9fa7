/* quiz.js: what the quiz page adds on top of its plain HTML form (which works without it).
 *
 * 1. Keeps the learner's unsent answers (and name and class code) in localStorage, one entry
 *    per quiz, so that a reload or a closed tab loses nothing. The entry is removed only when
 *    the server has confirmed the attempt: the result page carries a marker (#quiz-done) for
 *    it. A refused submission comes back as the quiz page with everything filled in by the
 *    server (data-refused), which then wins over what was kept. Answers are stored by option
 *    value (the option's place in the bank); the attempt's seed, start time and the order
 *    the options were shown in are kept too, so a reload shows the same order.
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

    function hidden(name) {
        return form.querySelector('input[type="hidden"][name="' + name + '"]');
    }

    /* The order the options are shown in, per question: a list of option values. */
    function optionOrder() {
        var order = {};
        var lists = form.querySelectorAll('.quiz-options');
        for (var i = 0; i < lists.length; i++) {
            var inputs = lists[i].querySelectorAll('input');
            if (inputs.length) {
                order[inputs[0].name] = Array.prototype.map.call(inputs, function (x) {
                    return x.value;
                });
            }
        }
        return order;
    }

    function snapshot() {
        var saved = { name: '', klass: '', answers: {}, seed: hidden('seed').value,
            started: hidden('started').value, order: optionOrder() };
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

    /* Shows the options in the order kept with the answers, and keeps that order's seed and
     * the attempt's start time in the form, so the review shows what the learner saw. */
    function restoreOrder(saved) {
        if (!saved.seed || !saved.order || typeof saved.order !== 'object') {
            return;
        }
        var lists = form.querySelectorAll('.quiz-options');
        for (var i = 0; i < lists.length; i++) {
            var items = Array.prototype.slice.call(lists[i].children);
            var first = items.length && items[0].querySelector('input');
            var wanted = first && saved.order[first.name];
            if (!Array.isArray(wanted) || wanted.length !== items.length) {
                return; /* the quiz changed since: keep the server's order and seed */
            }
        }
        for (var j = 0; j < lists.length; j++) {
            var list = lists[j];
            var rows = Array.prototype.slice.call(list.children);
            var want = saved.order[rows[0].querySelector('input').name];
            rows.sort(function (a, b) {
                return want.indexOf(a.querySelector('input').value) -
                    want.indexOf(b.querySelector('input').value);
            });
            rows.forEach(function (row) { list.appendChild(row); });
        }
        hidden('seed').value = String(saved.seed);
        if (saved.started) {
            hidden('started').value = String(saved.started);
        }
    }

    function restore(saved) {
        var list = fields();
        restoreOrder(saved);
        for (var i = 0; i < list.length; i++) {
            var input = list[i];
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

    if (refused) {
        /* The server sent the learner's form back with an error: what it filled in is what
         * was sent, so it is kept as is; focus goes to the first field in error. */
        save();
        var invalid = form.querySelector('[aria-invalid="true"]');
        if (invalid) {
            invalid.focus();
        }
    } else {
        try {
            var stored = JSON.parse(window.localStorage.getItem(key) || 'null');
            if (stored && typeof stored === 'object' && stored.answers) {
                restore(stored);
            }
        } catch (e) {
            /* a damaged entry is ignored; the next change overwrites it */
        }
        showProgress(snapshot());
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
