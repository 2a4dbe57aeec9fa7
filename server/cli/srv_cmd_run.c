/* srv_cmd_run.c: `fa-learn run FILE|-`, one snippet through the same supervisor, jail and
 * limits the server uses; prints the output, then the engine's trace as a table. */
#include "server/cli/srv_cmd_run.h"

#include "common/fa_buf.h"
#include "common/fa_mem.h"
#include "common/fa_preset.h"
#include "sandbox/sbx_frame.h"
#include "sandbox/sbx_options.h"
#include "sandbox/sbx_run.h"
#include "sandbox/sbx_supervisor.h"

#include <errno.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char srv_cmd_run_usage[] =
    "Usage: fa-learn run [--json] [--time-limit MS] [--no-monitoring] [--no-disable]\n"
    "                    [--safe-native PREFIX]... [--preset NAME] FILE|-\n"
    "\n"
    "Runs a Python snippet (a file, or - for standard input; at most 64 KiB) exactly as the\n"
    "sandbox of `fa-learn serve` does: a forked child of a warm interpreter, jailed (rlimits,\n"
    "seccomp, Landlock, unprivileged ids when started as root, a scratch folder), under\n"
    "FastAudit with the trace on. Prints the snippet's output, then every decision the engine\n"
    "took. --json prints the whole result as JSON instead.\n"
    "\n"
    "  --time-limit MS   wall-clock limit, 100-10000 (default 5000, or the environment's\n"
    "                    FA_LEARN_TIME_LIMIT)\n"
    "  --no-monitoring   no native call monitoring (sys.monitoring off)\n"
    "  --no-disable      never answer DISABLE: every call site keeps paying (see the counters)\n"
    "  --safe-native P   treat native callables of module prefix P (a module name such as\n"
    "                    labnative.checksum, at most 100 characters) as safe (up to 8 times)\n"
    "  --preset NAME     fastaudit (the default: FastAudit 0.2.7's own rules), hardened\n"
    "                    (fa-learn's rule set: mk_audit(..., hardened=True)), hook-only\n"
    "                    (hardened audit hooks alone, no call monitor) or strict (hardened,\n"
    "                    no DISABLE, reads limited to the scratch folder and the\n"
    "                    interpreter's files); \"default\" is another name for fastaudit\n"
    "  --json            the result as one JSON object\n"
    "\n"
    "Exit status: 0 ok, 1 the snippet raised, 3 denied by the policy, 4 a limit ended it,\n"
    "5 it crashed, 2 usage errors.\n";

/* A time limit from the command line or the environment: whole ms within sbx_options.h's
 * bounds. */
static bool parse_time_limit(const char *text, long *out)
{
    char *end;
    long ms = strtol(text, &end, 10);

    if (end == text || *end || !sbx_options_time_ok(ms))
        return false;
    *out = ms;
    return true;
}

static int read_snippet(const char *path, struct fa_buf *code)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    char chunk[8192];
    size_t n;
    int rc = 0;

    if (!f) {
        fprintf(stderr, "fa-learn run: cannot read %s: %s\n", path, strerror(errno));
        return 2;
    }
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0 && !rc)
        if (fa_buf_append(code, chunk, n)) {
            fprintf(stderr, "fa-learn run: %s is larger than %d bytes\n", path,
                    SBX_RUN_MAX_CODE);
            rc = 2;
        }
    if (f != stdin)
        fclose(f);
    return rc;
}

static void print_trace(json_t *result)
{
    json_t *trace = json_object_get(result, "trace"), *entry;
    size_t i;

    printf("\n--- FastAudit trace: %zu decision%s ---\n", json_array_size(trace),
           json_array_size(trace) == 1 ? "" : "s");
    json_array_foreach(trace, i, entry) {
        printf("%-5s  %-14s  %-24s  %s\n", json_string_value(json_object_get(entry, "decision")),
               json_string_value(json_object_get(entry, "class")),
               json_string_value(json_object_get(entry, "event")),
               json_string_value(json_object_get(entry, "args")));
        printf("       %s\n", json_string_value(json_object_get(entry, "reason")));
        if (json_is_string(json_object_get(entry, "note")))
            printf("   !=  %s\n", json_string_value(json_object_get(entry, "note")));
    }
}

static void print_result(json_t *result)
{
    json_t *exc = json_object_get(result, "exception"), *frame;
    json_t *counters = json_object_get(result, "counters");
    const char *limit = json_string_value(json_object_get(result, "limit"));
    const char *sig = json_string_value(json_object_get(result, "signal"));
    size_t i;

    fputs(json_string_value(json_object_get(result, "stdout")), stdout);
    fputs(json_string_value(json_object_get(result, "stderr")), stdout);
    if (json_is_object(exc)) {
        printf("\nTraceback (the snippet's own frames):\n");
        json_array_foreach(json_object_get(exc, "traceback"), i, frame)
            printf("  line %lld, in %s\n    %s\n",
                   (long long)json_integer_value(json_object_get(frame, "line")),
                   json_string_value(json_object_get(frame, "function")),
                   json_string_value(json_object_get(frame, "text")));
        printf("%s: %s\n", json_string_value(json_object_get(exc, "type")),
               json_string_value(json_object_get(exc, "message")));
    }
    if (json_is_object(json_object_get(result, "jail"))) {
        json_t *jail = json_object_get(result, "jail");
        printf("\nJail: seccomp %s, Landlock ABI %lld, no_new_privs %s, rlimits %s, ids %s, "
               "network namespace %s\n",
               json_is_true(json_object_get(jail, "seccomp")) ? "on" : "OFF",
               (long long)json_integer_value(json_object_get(jail, "landlock_abi")),
               json_is_true(json_object_get(jail, "no_new_privs")) ? "on" : "OFF",
               json_is_true(json_object_get(jail, "rlimits")) ? "on" : "OFF",
               json_is_true(json_object_get(jail, "ids_switched")) ? "switched" : "kept",
               json_is_true(json_object_get(jail, "netns")) ? "on" : "off");
    }
    if (limit)
        printf("\nThe run was stopped by a limit: %s\n", limit);
    if (sig)
        printf("\nThe run crashed: %s (the jail contained it)\n", sig);
    print_trace(result);
    printf("\nstatus %s, %.1f ms; events %lld (allowed %lld, denied %lld), monitoring callbacks "
           "%lld, sites disabled %lld, native calls %lld, divergences %lld\n",
           json_string_value(json_object_get(result, "status")),
           json_real_value(json_object_get(result, "duration_ms")),
           (long long)json_integer_value(json_object_get(counters, "events")),
           (long long)json_integer_value(json_object_get(counters, "allowed")),
           (long long)json_integer_value(json_object_get(counters, "denied")),
           (long long)json_integer_value(json_object_get(counters, "monitor_callbacks")),
           (long long)json_integer_value(json_object_get(counters, "sites_disabled")),
           (long long)json_integer_value(json_object_get(counters, "native_calls")),
           (long long)json_integer_value(json_object_get(counters, "divergences")));
}

static int on_json_chunk(const char *chunk, size_t len, void *data)
{
    return fa_buf_append(data, chunk, len) ? -1 : 0;
}

static int exit_status(const char *status)
{
    static const struct {
        const char *name;
        int code;
    } codes[] = {{"ok", 0}, {"error", 1}, {"denied", 3}, {"limit", 4}, {"crash", 5}};

    for (size_t i = 0; status && i < sizeof codes / sizeof codes[0]; i++)
        if (strcmp(status, codes[i].name) == 0)
            return codes[i].code;
    return 5;
}

int srv_cmd_run(int argc, char **argv)
{
    struct sbx_supervisor_config config;
    struct sbx_supervisor *sup = NULL;
    struct fa_diag diag = {{0}};
    struct fa_buf code, frame;
    const char *file = NULL, *base = getenv("TMPDIR"), *env_limit = getenv("FA_LEARN_TIME_LIMIT");
    char scratch_base[512];
    bool as_json = false, monitoring = true, disable = true;
    const char *preset = FA_PRESET_DEFAULT, *prefixes[SBX_RUN_MAX_SAFE_NATIVE];
    size_t n_prefixes = 0;
    json_t *safe_native = NULL;
    long time_limit = SBX_RUN_DEFAULT_TIME_MS;
    json_t *request = NULL, *result = NULL;
    struct fa_buf text;
    int rc = 2;

    /* The environment's limit is the default the flag overrides, so it is checked alike. */
    if (env_limit && *env_limit && !parse_time_limit(env_limit, &time_limit)) {
        fprintf(stderr,
                "fa-learn run: FA_LEARN_TIME_LIMIT '%s' is not a number from %d to %d "
                "(ms)\n",
                env_limit, SBX_RUN_MIN_TIME_MS, SBX_RUN_MAX_TIME_MS);
        return 2;
    }
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0) {
            as_json = true;
        } else if (strcmp(argv[i], "--no-monitoring") == 0) {
            monitoring = false;
        } else if (strcmp(argv[i], "--no-disable") == 0) {
            disable = false;
        } else if (strcmp(argv[i], "--safe-native") == 0 && i + 1 < argc) {
            if (n_prefixes >= SBX_RUN_MAX_SAFE_NATIVE) {
                fprintf(stderr, "fa-learn run: at most %d safe-native prefixes\n",
                        SBX_RUN_MAX_SAFE_NATIVE);
                return 2;
            }
            if (!sbx_options_prefix_ok(argv[i + 1], strlen(argv[i + 1]))) {
                fprintf(stderr,
                        "fa-learn run: safe-native prefix '%s' is not a module name "
                        "like labnative.checksum (letters, digits, _ and ., at most %d "
                        "characters)\n",
                        argv[i + 1], SBX_RUN_SAFE_NATIVE_MAX_LEN);
                return 2;
            }
            prefixes[n_prefixes++] = argv[++i];
        } else if (strcmp(argv[i], "--preset") == 0 && i + 1 < argc) {
            preset = fa_preset_find(argv[i + 1], strlen(argv[i + 1]));
            if (!preset) {
                fprintf(stderr, "fa-learn run: unknown preset '%s' (" FA_PRESET_NAMES_TEXT ")\n",
                        argv[i + 1]);
                return 2;
            }
            i++;
        } else if (strcmp(argv[i], "--time-limit") == 0 && i + 1 < argc) {
            if (!parse_time_limit(argv[++i], &time_limit)) {
                fprintf(stderr,
                        "fa-learn run: time limit '%s' is not a number from %d to %d "
                        "(ms)\n",
                        argv[i], SBX_RUN_MIN_TIME_MS, SBX_RUN_MAX_TIME_MS);
                return 2;
            }
        } else if (strcmp(argv[i], "--help") == 0) {
            fputs(srv_cmd_run_usage, stdout);
            return 0;
        } else if (!file && (argv[i][0] != '-' || strcmp(argv[i], "-") == 0)) {
            file = argv[i];
        } else {
            fprintf(stderr, "fa-learn run: unknown option '%s' (see fa-learn help run)\n",
                    argv[i]);
            return 2;
        }
    }
    if (!file) {
        fprintf(stderr, "fa-learn run: which snippet? Give a FILE, or - for standard input\n");
        return 2;
    }
    sbx_supervisor_default_config(&config, SBX_RUN_MAX_TIME_MS);
    fa_buf_init(&code, SBX_RUN_MAX_CODE);
    fa_buf_init(&frame, SBX_MAX_RESULT);
    fa_buf_init(&text, SBX_MAX_REQUEST);
    if (read_snippet(file, &code))
        goto out;
    snprintf(scratch_base, sizeof scratch_base, "%s/fa-learn-runs", base && *base ? base : "/tmp");
    config.scratch_base = scratch_base;
    rc = 5;
    if (sbx_supervisor_start(&config, &sup, &diag)) {
        fprintf(stderr, "fa-learn run: cannot start the sandbox: %s\n", diag.msg);
        goto out;
    }
    safe_native = json_array();
    for (size_t i = 0; i < n_prefixes; i++)
        json_array_append_new(safe_native, json_string(prefixes[i]));
    request = json_pack("{s:i, s:s%, s:b, s:b, s:s, s:O, s:i}", "id", 1, "code",
                        code.ptr ? code.ptr : "", code.len, "monitoring", monitoring, "disable",
                        disable, "preset", preset, "safe_native", safe_native, "time_limit_ms",
                        (int)time_limit);
    if (!request || json_dump_callback(request, on_json_chunk, &text, JSON_COMPACT) ||
        sbx_frame_write(sbx_supervisor_fd(sup), text.ptr, text.len) ||
        sbx_frame_read(sbx_supervisor_fd(sup), &frame, SBX_MAX_RESULT)) {
        fprintf(stderr, "fa-learn run: the sandbox supervisor did not answer\n");
        goto out;
    }
    result = json_loadb(frame.ptr, frame.len, JSON_ALLOW_NUL, NULL);
    if (!result || json_object_get(result, "error")) {
        fprintf(stderr, "fa-learn run: the sandbox refused the run: %s\n",
                result ? json_string_value(json_object_get(result, "error")) : "bad answer");
        goto out;
    }
    if (as_json)
        printf("%.*s\n", (int)frame.len, frame.ptr);
    else
        print_result(result);
    rc = exit_status(json_string_value(json_object_get(result, "status")));
out:
    json_decref(result);
    json_decref(request);
    json_decref(safe_native);
    sbx_supervisor_stop(sup);
    fa_buf_cleanup(&text);
    fa_buf_cleanup(&frame);
    fa_buf_cleanup(&code);
    return rc;
}
