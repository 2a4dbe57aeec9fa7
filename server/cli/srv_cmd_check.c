/* srv_cmd_check.c: `fa-learn check` (see srv_cmd_check.h). */
#include "server/cli/srv_cmd_check.h"

#include "content/cnt_check.h"
#include "content/cnt_site.h"
#include "quiz/quiz_bank.h"
#include "quiz/quiz_cues.h"
#include "server/app/srv_routes.h"
#include "server/view/srv_sandbox_page.h"

#include <stdio.h>
#include <string.h>

const char srv_cmd_check_usage[] =
    "Usage: fa-learn check [--content DIR] [--static DIR] [--quiz DIR]\n"
    "\n"
    "Checks the course content as the server would load it, and more: every page renders,\n"
    "every link to a page, a section, a static file or another page of the site leads\n"
    "somewhere, every image has alt text, every Python block is marked runnable (```pyrun\n"
    "status=...) or ```python illustration, and the sandbox gallery's and trace table's wiki\n"
    "links exist; then the quiz's question bank, each question's wiki section included.\n"
    "Prints each problem as \"file:line: what is wrong\". Cues that give a quiz answer away\n"
    "(a keyed option much longer than the others, a topic's true/false questions all keyed\n"
    "one way, a select-all question listing its right options first) are printed as\n"
    "\"file:1: warning: QUESTION-ID: ...\"; warnings do not change the exit status.\n"
    "\n"
    "  --content DIR   content folder with home.md and pages/ [FA_LEARN_CONTENT]\n"
    "  --static DIR    folder served under /static/ [FA_LEARN_STATIC]\n"
    "  --quiz DIR      the question bank's folder (topics.md, questions/) [FA_LEARN_QUIZ]\n"
    "\n"
    "Exit status: 0 all in order, 1 problems found, 2 usage errors.\n";

/* cls is the content folder, as given (a struct keeps the const). */
struct where {
    const char *content_dir;
};

static void print_problem(void *cls, const char *file, int line, const char *what)
{
    const struct where *w = cls;

    fprintf(stderr, "%s/%s:%d: %s\n", w->content_dir, file, line, what);
}

static void print_bank_problem(void *cls, const char *file, int line, const char *what)
{
    fprintf(stderr, "%s/%s:%d: %s\n", (const char *)cls, file, line, what);
}

/* The question bank, and the wiki section each question links to; its cues are counted in
 * *warnings. */
static size_t check_bank(const struct cnt_site *site, const struct cnt_check_env *env,
                         const char *quiz_dir, size_t *warnings)
{
    struct quiz_bank *bank = NULL;
    struct fa_diag diag = {{0}};
    size_t problems = 0;
    char why[512];
    char dir[4096];

    snprintf(dir, sizeof dir, "%s", quiz_dir);
    if (quiz_bank_load(quiz_dir, print_bank_problem, dir, &bank, &diag))
        return 1;
    for (size_t i = 0; i < quiz_bank_n_questions(bank); i++) {
        const struct quiz_question *q = quiz_bank_get_question(bank, i);
        if (cnt_check_link(site, env, NULL, q->wiki, why, sizeof why)) {
            fprintf(stderr, "%s/%s:%d: wiki: %s\n", quiz_dir, q->file, q->wiki_line, why);
            problems++;
        }
    }
    *warnings = quiz_bank_cues(bank, print_bank_problem, dir);
    quiz_bank_free(bank);
    return problems;
}

/* The wiki links that live outside the pages: the gallery's "# wiki:" lines and the trace
 * table's explanations. */
static size_t check_sandbox_links(const struct cnt_site *site, const struct cnt_check_env *env,
                                  const char *content_dir)
{
    struct srv_sandbox_gallery gallery = {0};
    struct fa_diag diag = {{0}};
    size_t problems = 0;
    const char *link;
    char why[512];

    if (srv_sandbox_gallery_load(content_dir, &gallery, &diag)) {
        fprintf(stderr, "%s\n", diag.msg);
        return 1;
    }
    for (size_t i = 0; i < gallery.n; i++) {
        const char *wiki = gallery.examples[i].wiki;
        if (!wiki || !wiki[0]) {
            fprintf(stderr, "%s/sandbox/*-%s.py: no '# wiki:' line\n", content_dir,
                    gallery.examples[i].name);
            problems++;
        } else if (cnt_check_link(site, env, NULL, wiki, why, sizeof why)) {
            fprintf(stderr, "%s/sandbox/*-%s.py: # wiki: %s\n", content_dir,
                    gallery.examples[i].name, why);
            problems++;
        }
    }
    srv_sandbox_gallery_free(&gallery);
    for (size_t i = 0; (link = srv_sandbox_class_wiki(i)) != NULL; i++) {
        if (cnt_check_link(site, env, NULL, link, why, sizeof why)) {
            fprintf(stderr, "server/view/srv_sandbox_page.c: trace class %zu: %s\n", i, why);
            problems++;
        }
    }
    return problems;
}

int srv_cmd_check(int argc, char **argv, const char *content_dir, const char *static_dir,
                  const char *quiz_dir)
{
    const char *paths[32];
    struct cnt_check_env env = {.site_paths = paths};
    struct cnt_site *site = NULL;
    struct fa_diag diag = {{0}};
    size_t problems, warnings = 0;

    for (int i = 0; i < argc; i++) {
        if (i + 1 < argc && strcmp(argv[i], "--content") == 0) {
            content_dir = argv[++i];
        } else if (i + 1 < argc && strcmp(argv[i], "--static") == 0) {
            static_dir = argv[++i];
        } else if (i + 1 < argc && strcmp(argv[i], "--quiz") == 0) {
            quiz_dir = argv[++i];
        } else {
            fprintf(stderr, "fa-learn check: unknown argument '%s' (see fa-learn help check)\n",
                    argv[i]);
            return 2;
        }
    }
    env.static_dir = static_dir;
    env.n_site_paths = srv_routes_get_paths(paths, sizeof paths / sizeof paths[0]);
    if (cnt_site_load(content_dir, &site, &diag)) {
        fprintf(stderr, "%s/%s\n", content_dir, diag.msg);
        return 1;
    }
    {
        struct where w = {content_dir};
        problems = cnt_check_site(site, &env, print_problem, &w);
    }
    problems += check_sandbox_links(site, &env, content_dir);
    problems += check_bank(site, &env, quiz_dir, &warnings);
    if (warnings)
        fprintf(stderr, "fa-learn check: %zu warning%s about cues in the quiz (see above)\n",
                warnings, warnings == 1 ? "" : "s");
    if (problems)
        fprintf(stderr, "fa-learn check: %zu problem%s\n", problems, problems == 1 ? "" : "s");
    else
        printf("fa-learn check: %zu pages in order\n", cnt_site_n_pages(site));
    cnt_site_free(site);
    return problems ? 1 : 0;
}
