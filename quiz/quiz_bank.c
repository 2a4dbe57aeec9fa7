/* quiz_bank.c: loading and validating the question bank (see quiz_bank.h, quiz/README.md). */
#include "quiz/quiz_bank.h"

#include "common/fa_dir.h"
#include "common/fa_file.h"
#include "common/fa_hash.h"
#include "common/fa_mem.h"
#include "common/fa_utf8.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TOPICS_BYTES (16 * 1024)
#define MAX_ANSWERS 16

/* The owned form of a question: quiz_question's pointers point into these. */
struct question {
    struct quiz_question pub;
    char *id, *file, *wiki, *difficulty, *stem, *explanation, *snippet;
    struct quiz_option options[QUIZ_MAX_OPTIONS];
    char *option_text[QUIZ_MAX_OPTIONS];
    char *answers[MAX_ANSWERS];
};

struct quiz_bank {
    struct quiz_topic topics[QUIZ_MAX_TOPICS];
    char *topic_text[QUIZ_MAX_TOPICS][2];
    int topic_line[QUIZ_MAX_TOPICS];
    size_t n_topics;
    struct question *questions;
    size_t n_questions;
    size_t *index; /* open addressing by id: question index + 1, 0 = empty */
    size_t index_mask;
};

/* The index's hash of a question id (in memory only: nothing stored depends on it). */
static size_t hash_id(const char *id) { return (size_t)fa_fnv1a64_str(id); }

/* One load: where problems go, and how many there were. */
struct load {
    quiz_bank_report_fn *report;
    void *cls;
    struct fa_diag *diag;
    size_t problems;
};

static void problem(struct load *ld, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void problem(struct load *ld, const char *file, int line, const char *fmt, ...)
{
    char what[400];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    if (ld->problems++ == 0)
        fa_diag_set(ld->diag, FA_EINVAL, "%s:%d: %s", file, line, what);
    if (ld->report)
        ld->report(ld->cls, file, line, what);
}

/* ---- small text helpers ---- */

/* A line of text: [start, end) without its newline. */
struct line {
    const char *start, *end;
    int number;
};

static size_t split_lines(const char *text, size_t len, struct line **out)
{
    size_t n = 0, cap = 64;
    struct line *lines = fa_xmalloc(cap * sizeof *lines);
    const char *p = text, *end = text + len;

    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *stop = nl ? nl : end;
        if (n == cap)
            lines = fa_xrealloc(lines, (cap *= 2) * sizeof *lines);
        lines[n] = (struct line){p, stop, (int)n + 1};
        if (stop > p && stop[-1] == '\r')
            lines[n].end--;
        n++;
        p = nl ? nl + 1 : end;
    }
    *out = lines;
    return n;
}

static bool line_is(const struct line *l, const char *text)
{
    size_t len = strlen(text);
    return (size_t)(l->end - l->start) == len && memcmp(l->start, text, len) == 0;
}

static bool is_blank(const struct line *l)
{
    for (const char *p = l->start; p < l->end; p++)
        if (!isspace((unsigned char)*p))
            return false;
    return true;
}

/* The text of lines [from, to) joined with newlines, without blank lines at either end. */
static char *join_lines(const struct line *lines, size_t from, size_t to)
{
    while (from < to && is_blank(&lines[from]))
        from++;
    while (to > from && is_blank(&lines[to - 1]))
        to--;
    if (from == to)
        return fa_xstrdup("");
    return fa_xstrndup(lines[from].start, (size_t)(lines[to - 1].end - lines[from].start));
}

static char *trimmed(const char *start, const char *end)
{
    while (start < end && isspace((unsigned char)*start))
        start++;
    while (end > start && isspace((unsigned char)end[-1]))
        end--;
    return fa_xstrndup(start, (size_t)(end - start));
}

/* Lower-case letters, digits and single '-' between them. */
static bool is_slug(const char *s, size_t max)
{
    size_t len = strlen(s);

    if (len == 0 || len > max || s[0] == '-' || s[len - 1] == '-')
        return false;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '-' ? s[i + 1] == '-' : !(islower((unsigned char)s[i]) || isdigit((unsigned char)s[i])))
            return false;
    }
    return true;
}

/* Whether a fence line opens or closes a code block (``` or ~~~, up to 3 spaces in). */
static bool is_fence(const struct line *l)
{
    const char *p = l->start;
    while (p < l->end && *p == ' ' && p - l->start < 3)
        p++;
    return l->end - p >= 3 && (memcmp(p, "```", 3) == 0 || memcmp(p, "~~~", 3) == 0);
}

/* "- [ ] text" or "- [x] text": 1 with *checked and the text's start, else 0. */
static int task_item(const struct line *l, int *checked, const char **text)
{
    size_t len = (size_t)(l->end - l->start);

    if (len < 6 || memcmp(l->start, "- [", 3) != 0 || l->start[4] != ']' || l->start[5] != ' ')
        return 0;
    if (l->start[3] == ' ')
        *checked = 0;
    else if (l->start[3] == 'x' || l->start[3] == 'X')
        *checked = 1;
    else
        return 0;
    *text = l->start + 6;
    return 1;
}

/* ---- outcome codes of predict questions ---- */

static bool is_event_name(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (!(isalnum((unsigned char)*s) || *s == '_' || *s == '.'))
            return false;
    return true;
}

const char *quiz_outcome_words(const char *code, char *buf, size_t len)
{
    if (strcmp(code, "runs") == 0)
        snprintf(buf, len, "Runs to the end: nothing is denied");
    else if (strcmp(code, "os-layer") == 0)
        snprintf(buf, len, "Allowed by FastAudit, stopped by the OS layer (seccomp, Landlock)");
    else if (strncmp(code, "denied ", 7) == 0 && is_event_name(code + 7))
        snprintf(buf, len, "Denied by FastAudit at the event `%s`", code + 7);
    else if (strncmp(code, "error ", 6) == 0 && is_event_name(code + 6))
        snprintf(buf, len, "Raises `%s`, not because of the policy", code + 6);
    else
        return NULL;
    return buf;
}

/* ---- topics.md ---- */

static void load_topics(struct quiz_bank *bank, const char *quiz_dir, struct load *ld)
{
    char *path = fa_xasprintf("%s/topics.md", quiz_dir), *text = NULL;
    struct line *lines = NULL;
    struct fa_diag diag = {{0}};
    size_t len, n;

    if (fa_file_read(path, MAX_TOPICS_BYTES, 1, &text, &len, &diag)) {
        problem(ld, "topics.md", 1, "cannot read: %s", diag.msg);
        goto out;
    }
    n = split_lines(text, len, &lines);
    for (size_t i = 0; i < n; i++) {
        const struct line *l = &lines[i];
        const char *colon = memchr(l->start, ':', (size_t)(l->end - l->start));
        char *slug, *title;

        if (is_blank(l) || l->start[0] == '#')
            continue;
        if (!colon) {
            problem(ld, "topics.md", l->number, "a topic line is 'slug: Title'");
            continue;
        }
        slug = trimmed(l->start, colon);
        title = trimmed(colon + 1, l->end);
        if (!is_slug(slug, 64) || !title[0] || bank->n_topics == QUIZ_MAX_TOPICS) {
            if (bank->n_topics == QUIZ_MAX_TOPICS)
                problem(ld, "topics.md", l->number, "more than %d topics", QUIZ_MAX_TOPICS);
            else if (!title[0])
                problem(ld, "topics.md", l->number, "topic without a title");
            else
                problem(ld, "topics.md", l->number, "'%.64s' is not a slug (a-z, 0-9, single -)",
                        slug);
            fa_free(slug);
            fa_free(title);
            continue;
        }
        if (quiz_bank_find_topic(bank, slug, strlen(slug)) >= 0) {
            problem(ld, "topics.md", l->number, "topic '%s' is listed twice", slug);
            fa_free(slug);
            fa_free(title);
            continue;
        }
        bank->topic_text[bank->n_topics][0] = slug;
        bank->topic_text[bank->n_topics][1] = title;
        bank->topics[bank->n_topics] = (struct quiz_topic){slug, title};
        bank->topic_line[bank->n_topics++] = l->number;
    }
    if (bank->n_topics == 0)
        problem(ld, "topics.md", 1, "no topics");
out:
    fa_free(lines);
    fa_free(text);
    fa_free(path);
}

/* ---- one question ---- */

static const char *const type_names[QUIZ_N_TYPES] = {"single", "multiple", "truefalse", "short",
                                                      "predict"};

const char *quiz_type_name(enum quiz_type type) { return type_names[type]; }

/* The front matter: key: value lines between the first two "---" lines. Returns the index of
 * the line after it, or 0 when there is none. */
static size_t parse_front_matter(struct question *q, struct quiz_bank *bank,
                                 const struct line *lines, size_t n, const char *file,
                                 struct load *ld)
{
    bool seen[6] = {false};
    static const char *const keys[] = {"id", "topic", "type", "points", "wiki", "difficulty"};
    size_t i;

    if (n == 0 || !line_is(&lines[0], "---")) {
        problem(ld, file, 1, "no front matter: the file must start with a '---' line");
        return 0;
    }
    q->pub.points = 1;
    q->pub.topic = SIZE_MAX;
    q->pub.type = (enum quiz_type)-1;
    for (i = 1; i < n && !line_is(&lines[i], "---"); i++) {
        const struct line *l = &lines[i];
        const char *colon = memchr(l->start, ':', (size_t)(l->end - l->start));
        char *key, *value;
        size_t k;

        if (is_blank(l))
            continue;
        if (!colon) {
            problem(ld, file, l->number, "a front matter line is 'key: value'");
            continue;
        }
        key = trimmed(l->start, colon);
        value = trimmed(colon + 1, l->end);
        for (k = 0; k < 6 && strcmp(keys[k], key) != 0; k++)
            ;
        if (k == 6) {
            problem(ld, file, l->number, "unknown key '%.40s' (id, topic, type, points, wiki, "
                                         "difficulty)", key);
        } else if (seen[k]) {
            problem(ld, file, l->number, "'%s' is given twice", key);
        } else {
            seen[k] = true;
            if (k == 0) {
                if (!is_slug(value, 64))
                    problem(ld, file, l->number, "id '%.64s' is not a slug (a-z, 0-9, single -, "
                                                 "at most 64)", value);
                q->id = fa_xstrdup(value);
            } else if (k == 1) {
                long t = quiz_bank_find_topic(bank, value, strlen(value));
                if (t < 0)
                    problem(ld, file, l->number, "unknown topic '%.64s' (see topics.md)", value);
                else
                    q->pub.topic = (size_t)t;
            } else if (k == 2) {
                size_t t;
                for (t = 0; t < QUIZ_N_TYPES && strcmp(type_names[t], value) != 0; t++)
                    ;
                if (t == QUIZ_N_TYPES)
                    problem(ld, file, l->number, "unknown type '%.40s' (single, multiple, "
                                                 "truefalse, short, predict)", value);
                else
                    q->pub.type = (enum quiz_type)t;
            } else if (k == 3) {
                char *end;
                long p = strtol(value, &end, 10);
                if (!value[0] || *end || p < 1 || p > 10)
                    problem(ld, file, l->number, "points must be a number from 1 to 10");
                else
                    q->pub.points = (int)p;
            } else if (k == 4) {
                if (strncmp(value, "/wiki/", 6) != 0 || !strchr(value, '#'))
                    problem(ld, file, l->number, "wiki must name a section: /wiki/<page>#<id>");
                q->wiki = fa_xstrdup(value);
                q->pub.wiki_line = l->number;
            } else {
                if (strcmp(value, "easy") && strcmp(value, "medium") && strcmp(value, "hard"))
                    problem(ld, file, l->number, "difficulty must be easy, medium or hard");
                q->difficulty = fa_xstrdup(value);
            }
        }
        fa_free(key);
        fa_free(value);
    }
    if (i == n) {
        problem(ld, file, 1, "the front matter has no closing '---' line");
        return 0;
    }
    for (size_t k = 0; k < 5; k++)
        if (k != 3 && !seen[k])
            problem(ld, file, 1, "missing '%s' in the front matter", keys[k]);
    return i + 1;
}

/* The body: stem, answer part, "## Explanation". */
static void parse_body(struct question *q, const struct line *lines, size_t from, size_t n,
                       const char *file, struct load *ld)
{
    size_t explanation = SIZE_MAX, accepted = SIZE_MAX, first_option = SIZE_MAX, n_pyrun = 0;
    size_t last_option = 0, n_checked = 0;
    bool in_code = false;
    int first_line = from < n ? lines[from].number : 1;

    for (size_t i = from; i < n; i++) {
        const struct line *l = &lines[i];
        int checked;
        const char *text;

        if (is_fence(l)) {
            if (!in_code && q->pub.type == QUIZ_PREDICT && explanation == SIZE_MAX) {
                const char *p = l->start + strspn(l->start, " `~");
                if ((size_t)(l->end - p) >= 5 && memcmp(p, "pyrun", 5) == 0) {
                    size_t k = i + 1;
                    while (k < n && !is_fence(&lines[k]))
                        k++;
                    if (n_pyrun++ == 0) {
                        char *code = join_lines(lines, i + 1, k);
                        q->snippet = fa_xasprintf("%s\n", code);
                        fa_free(code);
                    }
                }
            }
            in_code = !in_code;
            continue;
        }
        if (in_code)
            continue;
        if (line_is(l, "## Explanation") && explanation == SIZE_MAX) {
            explanation = i;
        } else if (line_is(l, "## Accepted answers") && explanation == SIZE_MAX) {
            accepted = i;
        } else if (explanation == SIZE_MAX && accepted == SIZE_MAX &&
                   task_item(l, &checked, &text)) {
            if (first_option == SIZE_MAX)
                first_option = i;
            else if (i != last_option + 1)
                problem(ld, file, l->number, "the options must form one list, without "
                                             "anything between them");
            last_option = i;
            if (q->pub.n_options == QUIZ_MAX_OPTIONS) {
                problem(ld, file, l->number, "more than %d options", QUIZ_MAX_OPTIONS);
                continue;
            }
            q->option_text[q->pub.n_options] = trimmed(text, l->end);
            q->options[q->pub.n_options] =
                (struct quiz_option){q->option_text[q->pub.n_options], checked};
            n_checked += (size_t)checked;
            if (!q->option_text[q->pub.n_options][0])
                problem(ld, file, l->number, "an option without text");
            if (q->pub.type == QUIZ_PREDICT) {
                char words[200];
                if (!quiz_outcome_words(q->option_text[q->pub.n_options], words, sizeof words))
                    problem(ld, file, l->number, "'%.60s' is not an outcome (runs, denied EVENT, "
                                                 "os-layer, error TYPE)",
                            q->option_text[q->pub.n_options]);
            }
            q->pub.n_options++;
        } else if (accepted != SIZE_MAX && explanation == SIZE_MAX && !is_blank(l)) {
            if (l->end - l->start < 3 || memcmp(l->start, "- ", 2) != 0) {
                problem(ld, file, l->number, "accepted answers are a list: '- answer'");
            } else if (q->pub.n_answers == MAX_ANSWERS) {
                problem(ld, file, l->number, "more than %d accepted answers", MAX_ANSWERS);
            } else {
                q->answers[q->pub.n_answers] = trimmed(l->start + 2, l->end);
                if (!q->answers[q->pub.n_answers][0])
                    problem(ld, file, l->number, "an empty accepted answer");
                q->pub.n_answers++;
            }
        } else if (first_option != SIZE_MAX && explanation == SIZE_MAX && accepted == SIZE_MAX &&
                   !is_blank(l)) {
            problem(ld, file, l->number, "text after the options: put it in the stem or the "
                                         "explanation");
        }
    }
    {
        size_t stem_end = first_option != SIZE_MAX ? first_option
                          : accepted != SIZE_MAX   ? accepted
                          : explanation != SIZE_MAX ? explanation
                                                    : n;
        q->stem = join_lines(lines, from, stem_end);
    }
    if (!q->stem[0])
        problem(ld, file, first_line, "no question: write the stem after the front matter");
    if (explanation == SIZE_MAX) {
        problem(ld, file, n ? lines[n - 1].number : 1, "no '## Explanation' section");
        q->explanation = fa_xstrdup("");
    } else {
        q->explanation = join_lines(lines, explanation + 1, n);
        if (!q->explanation[0])
            problem(ld, file, lines[explanation].number, "the explanation is empty");
    }
    switch (q->pub.type) {
    case QUIZ_SHORT:
        if (q->pub.n_options)
            problem(ld, file, lines[first_option].number, "a short-answer question has no "
                                                          "options");
        if (accepted == SIZE_MAX || q->pub.n_answers == 0)
            problem(ld, file, accepted == SIZE_MAX ? first_line : lines[accepted].number,
                    "no accepted answers: add a '## Accepted answers' list");
        break;
    case QUIZ_SINGLE:
    case QUIZ_MULTIPLE:
    case QUIZ_TRUEFALSE:
    case QUIZ_PREDICT: {
        int line = first_option != SIZE_MAX ? lines[first_option].number : first_line;
        if (accepted != SIZE_MAX)
            problem(ld, file, lines[accepted].number, "accepted answers belong to short-answer "
                                                      "questions");
        if (q->pub.n_options < 2)
            problem(ld, file, line, "at least two options ('- [ ] ...', the right one '- [x] "
                                    "...')");
        else if (n_checked == 0)
            problem(ld, file, line, "options without a correct one: check it with '- [x]'");
        else if (n_checked > 1 && q->pub.type != QUIZ_MULTIPLE)
            problem(ld, file, line, "%zu options are checked; a %s question has exactly one",
                    n_checked, type_names[q->pub.type]);
        if (q->pub.type == QUIZ_TRUEFALSE &&
            (q->pub.n_options != 2 ||
             !((strcmp(q->option_text[0], "True") == 0 && strcmp(q->option_text[1], "False") == 0) ||
               (strcmp(q->option_text[0], "False") == 0 && strcmp(q->option_text[1], "True") == 0))))
            problem(ld, file, line, "a truefalse question has the options True and False");
        if (q->pub.type == QUIZ_PREDICT && n_pyrun != 1)
            problem(ld, file, first_line, "a predict question shows exactly one ```pyrun "
                                          "snippet in its stem (it has %zu)", n_pyrun);
        break;
    }
    }
}

static void question_free(struct question *q)
{
    fa_free(q->id);
    fa_free(q->file);
    fa_free(q->wiki);
    fa_free(q->difficulty);
    fa_free(q->stem);
    fa_free(q->explanation);
    fa_free(q->snippet);
    for (size_t i = 0; i < q->pub.n_options; i++)
        fa_free(q->option_text[i]);
    for (size_t i = 0; i < q->pub.n_answers; i++)
        fa_free(q->answers[i]);
}

static void load_question(struct quiz_bank *bank, const char *quiz_dir, const char *name,
                          struct load *ld)
{
    char *path = fa_xasprintf("%s/questions/%s", quiz_dir, name), *text = NULL;
    char *file = fa_xasprintf("questions/%s", name);
    struct question *q = &bank->questions[bank->n_questions];
    struct line *lines = NULL;
    struct fa_diag diag = {{0}};
    size_t len, n, body, bad;

    memset(q, 0, sizeof *q);
    q->file = file;
    if (fa_file_read(path, QUIZ_MAX_FILE_BYTES, 1, &text, &len, &diag)) {
        problem(ld, file, 1, "%s", strstr(diag.msg, ": ") ? strstr(diag.msg, ": ") + 2 : diag.msg);
        goto out;
    }
    bad = fa_utf8_bad_offset(text, len);
    if (bad < len) {
        int line = 1;
        for (size_t i = 0; i < bad; i++)
            line += text[i] == '\n';
        problem(ld, file, line, "not UTF-8 (byte %zu)", bad);
        goto out;
    }
    n = split_lines(text, len, &lines);
    body = parse_front_matter(q, bank, lines, n, file, ld);
    if (body)
        parse_body(q, lines, body, n, file, ld);
    if (q->id) {
        long other = quiz_bank_find(bank, q->id);
        if (other >= 0)
            problem(ld, file, 2, "duplicate id '%s' (also in %s)", q->id,
                    bank->questions[other].pub.file);
    }
out:
    q->pub.id = q->id ? q->id : "";
    q->pub.file = q->file;
    q->pub.wiki = q->wiki ? q->wiki : "";
    q->pub.difficulty = q->difficulty ? q->difficulty : "";
    q->pub.stem = q->stem ? q->stem : "";
    q->pub.explanation = q->explanation ? q->explanation : "";
    q->pub.snippet = q->snippet;
    q->pub.options = q->options;
    q->pub.answers = (const char *const *)q->answers;
    bank->n_questions++;
    fa_free(lines);
    fa_free(text);
    fa_free(path);
}

static void load_questions(struct quiz_bank *bank, const char *quiz_dir, struct load *ld)
{
    char *dir_path = fa_xasprintf("%s/questions", quiz_dir);
    struct fa_dir_list names = {NULL, 0};
    struct fa_diag diag = {{0}};
    size_t n;
    int rc = fa_dir_list_open(dir_path, fa_dir_keep_suffix, ".md", SIZE_MAX, "questions",
                              &names, &diag);

    fa_free(dir_path);
    if (rc) {
        problem(ld, "questions", 1, "cannot open the folder");
        return;
    }
    n = names.n;
    if (n > QUIZ_MAX_QUESTIONS) {
        problem(ld, "questions", 1, "%zu questions, the limit is %d", n, QUIZ_MAX_QUESTIONS);
        n = QUIZ_MAX_QUESTIONS;
    }
    bank->questions = fa_xcalloc(n ? n : 1, sizeof *bank->questions);
    for (size_t i = 0; i < n; i++)
        load_question(bank, quiz_dir, names.names[i], ld);
    fa_dir_list_cleanup(&names);
}

int quiz_bank_load(const char *quiz_dir, quiz_bank_report_fn *report, void *cls,
                   struct quiz_bank **out, struct fa_diag *diag)
{
    struct quiz_bank *bank = fa_xcalloc(1, sizeof *bank);
    struct load ld = {report, cls, diag, 0};

    load_topics(bank, quiz_dir, &ld);
    load_questions(bank, quiz_dir, &ld);
    for (size_t t = 0; t < bank->n_topics; t++) {
        size_t count = 0;
        for (size_t i = 0; i < bank->n_questions; i++)
            count += bank->questions[i].pub.topic == t;
        if (count < QUIZ_MIN_PER_TOPIC)
            problem(&ld, "topics.md", bank->topic_line[t], "topic '%s' has %zu question%s; it "
                                                            "needs at least %d", bank->topics[t].slug,
                    count, count == 1 ? "" : "s", QUIZ_MIN_PER_TOPIC);
    }
    if (ld.problems) {
        quiz_bank_free(bank);
        return FA_EINVAL;
    }
    /* The index: every lookup of a submitted or stored answer goes through it. */
    bank->index_mask = 15;
    while (bank->index_mask + 1 < 2 * bank->n_questions)
        bank->index_mask = bank->index_mask * 2 + 1;
    bank->index = fa_xcalloc(bank->index_mask + 1, sizeof *bank->index);
    for (size_t i = 0; i < bank->n_questions; i++) {
        size_t slot = hash_id(bank->questions[i].id) & bank->index_mask;
        while (bank->index[slot])
            slot = (slot + 1) & bank->index_mask;
        bank->index[slot] = i + 1;
    }
    *out = bank;
    return FA_OK;
}

void quiz_bank_free(struct quiz_bank *bank)
{
    if (!bank)
        return;
    for (size_t i = 0; i < bank->n_topics; i++) {
        fa_free(bank->topic_text[i][0]);
        fa_free(bank->topic_text[i][1]);
    }
    for (size_t i = 0; i < bank->n_questions; i++)
        question_free(&bank->questions[i]);
    fa_free(bank->questions);
    fa_free(bank->index);
    fa_free(bank);
}

size_t quiz_bank_n_topics(const struct quiz_bank *bank) { return bank->n_topics; }

const struct quiz_topic *quiz_bank_get_topic(const struct quiz_bank *bank, size_t i)
{
    return i < bank->n_topics ? &bank->topics[i] : NULL;
}

size_t quiz_bank_n_questions(const struct quiz_bank *bank) { return bank->n_questions; }

const struct quiz_question *quiz_bank_get_question(const struct quiz_bank *bank, size_t i)
{
    return i < bank->n_questions ? &bank->questions[i].pub : NULL;
}

long quiz_bank_find(const struct quiz_bank *bank, const char *id)
{
    if (!bank->index) { /* while loading: a linear search over what is there so far */
        for (size_t i = 0; i < bank->n_questions; i++)
            if (bank->questions[i].id && strcmp(bank->questions[i].id, id) == 0)
                return (long)i;
        return -1;
    }
    for (size_t slot = hash_id(id) & bank->index_mask; bank->index[slot];
         slot = (slot + 1) & bank->index_mask) {
        size_t i = bank->index[slot] - 1;
        if (strcmp(bank->questions[i].id, id) == 0)
            return (long)i;
    }
    return -1;
}

long quiz_bank_find_topic(const struct quiz_bank *bank, const char *slug, size_t len)
{
    for (size_t i = 0; i < bank->n_topics; i++)
        if (strlen(bank->topics[i].slug) == len && memcmp(bank->topics[i].slug, slug, len) == 0)
            return (long)i;
    return -1;
}
