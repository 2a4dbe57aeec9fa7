/* quiz.js: what the quiz page adds on top of its plain HTML form (which works without it).
 *
 * 1. Keeps the learner's unsent answers (and name and class code) in localStorage, one entry
 *    per quiz, so that a reload or a closed tab loses nothing; the entry is removed when the
 *    form is submitted. Answers are stored by option value (the option's place in the bank),
 *    not by position, so a reload that shuffles the options differently restores them right.
 * 2. Shows how many questions are answered, in the page's polite status line.
 *
 * Plain ES2017, no dependencies, nothing global; styling by class only (the CSP forbids
 * inline style). */
(function () {
    'use strict';

    var form = document.getElementById('quiz-form');
    if (!form || !window.localStorage) {
        return;
    }
    var key = 'fa-learn.quiz.' + (form.getAttribute('data-quiz') || 'all');
    var total = Number(form.getAttribute('data-total')) || 0;
    var progress = document.getElementById('quiz-progress');

    function fields() {
        return form.querySelectorAll('input[name^="a."], input[name="name"], input[name="class"]');
    }

    function snapshot() {
        var saved = { name: '', klass: '', answers: {} };
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

    function restore(saved) {
        var list = fields();
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

    function showProgress(saved) {
        if (!progress) {
            return;
        }
        var answered = Object.keys(saved.answers).length;
        progress.textContent = answered + ' of ' + total + ' questions answered';
        progress.classList.toggle('is-complete', answered === total && total > 0);
    }

    try {
        var stored = JSON.parse(window.localStorage.getItem(key) || 'null');
        if (stored && typeof stored === 'object' && stored.answers) {
            restore(stored);
        }
    } catch (e) {
        /* a damaged entry is ignored; the next change overwrites it */
    }
    showProgress(snapshot());

    function save() {
        var saved = snapshot();
        showProgress(saved);
        try {
            window.localStorage.setItem(key, JSON.stringify(saved));
        } catch (e) {
            /* storage full or refused: the form still works */
        }
    }

    form.addEventListener('change', save);
    form.addEventListener('input', save);
    form.addEventListener('submit', function () {
        try {
            window.localStorage.removeItem(key);
        } catch (e) {
            /* nothing to do */
        }
    });
}());
