/* join.js: the join link's page (/join/<code>) keeps the class code in this browser, so that
 * the quiz and sandbox pages fill it in (quiz.js and sandbox.js read 'fa-learn-class'). */
(function () {
    'use strict';
    var el = document.getElementById('join');
    if (!el) {
        return;
    }
    try {
        window.localStorage.setItem('fa-learn-class', el.getAttribute('data-class') || '');
    } catch (err) {
        /* Storage refused (private mode): the page already says how to type the code. */
    }
}());
