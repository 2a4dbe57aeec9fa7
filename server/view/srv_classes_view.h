/* srv_classes_view.h: the instructor's class pages as HTML (common/fa_html.h), drawn for the
 * handlers of app/srv_instructor_classes.c: the list of classes, one class's settings, the
 * question asked before a deletion, one learner's attempts, and the learners' join page.
 * Each view fills the page's own part; the caller puts it in the layout. They are views of
 * plain data (classes, attempts, strings) and read neither the store nor the request. The
 * instructor's forms carry the session's CSRF token, which the caller passes in.
 * Thread-safe (no state). */
#ifndef FA_SERVER_VIEW_SRV_CLASSES_VIEW_H
#define FA_SERVER_VIEW_SRV_CLASSES_VIEW_H

#include "common/fa_html.h"
#include "quiz/quiz_classes.h"
#include "quiz/quiz_store.h"
#include "server/http/srv_http.h"

#include <stddef.h>

/* The list of classes; a class's page is SRV_CLASSES_PATH "/<code>". */
#define SRV_CLASSES_PATH "/instructor/classes"

/* The classes page up to its table's rows: the heading, the instructor's links, error (NULL:
 * none) as an alert, and the table's head. Then one srv_classes_view_list_row per class and
 * srv_classes_view_list_end. */
void srv_classes_view_list_begin(struct fa_html_builder *h, const char *error);

/* One class in the table: its code (a link to its page), its name, open or closed, the
 * n_attempts made with its code, and its join link. */
void srv_classes_view_list_row(struct fa_html_builder *h, const struct quiz_class *c,
                               long n_attempts);

/* The rest of the classes page: a row saying there is none when n_classes is 0, the form that
 * creates a class, and the retention form showing retention_days (the stored setting as
 * text); both forms carry csrf. */
void srv_classes_view_list_end(struct fa_html_builder *h, size_t n_classes,
                               const char *retention_days, const char *csrf);

/* One class's page: its join link and a link to its results, the settings form filled from
 * c (times in UTC, the time limit in minutes) and the form that deletes it, both carrying
 * csrf; error (NULL: none) above them as an alert. */
void srv_classes_view_class(struct fa_html_builder *h, const struct quiz_class *c, const char *csrf,
                            const char *error);

/* The question asked before a deletion: question as text, then a form that posts the
 * n_fields fields again (the CSRF token among them) to action_path with confirm=yes, and a
 * way back to the classes. */
void srv_classes_view_confirm(struct fa_html_builder *h, const char *question,
                              const char *action_path, const struct srv_kv *fields,
                              size_t n_fields);

/* A learner's page up to its table's rows: the learner's name as the heading, the
 * instructor's links, the class (class_code "" reads "no class") and the table's head. Then
 * one srv_classes_view_learner_row per attempt and srv_classes_view_learner_end. */
void srv_classes_view_learner_begin(struct fa_html_builder *h, const char *class_code,
                                    const char *name);

/* One attempt in the learner's table: when it was submitted (UTC), its quiz, and its score
 * as a link to its report. */
void srv_classes_view_learner_row(struct fa_html_builder *h, const struct quiz_attempt *a);

/* The rest of a learner's page: a row saying there is none when n_attempts is 0, and the
 * form that deletes the learner's attempts in the class, carrying csrf. */
void srv_classes_view_learner_end(struct fa_html_builder *h, size_t n_attempts,
                                  const char *class_code, const char *name, const char *csrf);

/* The learners' join page: c's name, its code (which static/js/join.js keeps for the quiz and
 * sandbox pages), whether it is closed, and its settings in words. */
void srv_classes_view_join(struct fa_html_builder *h, const struct quiz_class *c);

#endif
