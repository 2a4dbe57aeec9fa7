/* test_policy.c: the FastAudit policy tables and path rules (sandbox/sbx_policy.h), without
 * Python: event classes, open modes, setattr names, protected environment variables, and
 * non-strict path resolution against real symlinks in a temporary folder. */
/* realpath() and mkdtemp() are XSI functions. */
#define _XOPEN_SOURCE 700
#include "harness.h"

#include "sandbox/sbx_policy.h"

#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

const char *sbx_policy_rule_name(size_t i);

static void test_table_sorted(void)
{
    size_t n = 0;

    for (; sbx_policy_rule_name(n + 1); n++)
        if (strcmp(sbx_policy_rule_name(n), sbx_policy_rule_name(n + 1)) >= 0)
            fprintf(stderr, "not sorted: %s >= %s\n", sbx_policy_rule_name(n),
                    sbx_policy_rule_name(n + 1));
    OK(n > 90);
    for (size_t i = 0; sbx_policy_rule_name(i + 1); i++)
        OK(strcmp(sbx_policy_rule_name(i), sbx_policy_rule_name(i + 1)) < 0);
}

static void test_classes(void)
{
    static const struct {
        const char *event;
        enum sbx_event_class cls;
    } cases[] = {
        {"import", SBX_EVENT_ALLOW},          {"compile", SBX_EVENT_ALLOW},
        {"os.listdir", SBX_EVENT_ALLOW},      {"time.sleep", SBX_EVENT_ALLOW},
        {"gc.get_objects", SBX_EVENT_ALLOW},  {"gc.get_referrers", SBX_EVENT_ALLOW},
        {"marshal.loads", SBX_EVENT_ALLOW},   {"fcntl.ioctl", SBX_EVENT_ALLOW},
        {"smtplib.send", SBX_EVENT_ALLOW},    {"socket.getaddrinfo", SBX_EVENT_ALLOW},
        {"winreg.OpenKey", SBX_EVENT_ALLOW},  {"os.fork", SBX_EVENT_ALLOW},
        {"open", SBX_EVENT_OPEN},             {"os.remove", SBX_EVENT_PATH_FIRST},
        {"os.mkdir", SBX_EVENT_PATH_FIRST},   {"shutil.rmtree", SBX_EVENT_PATH_FIRST},
        {"sqlite3.connect", SBX_EVENT_PATH_FIRST}, {"tempfile.mkstemp", SBX_EVENT_PATH_FIRST},
        {"shutil.copyfile", SBX_EVENT_PATH_DEST}, {"sqlite3.load_extension", SBX_EVENT_PATH_DEST},
        {"os.rename", SBX_EVENT_PATH_BOTH},   {"shutil.move", SBX_EVENT_PATH_BOTH},
        {"os.symlink", SBX_EVENT_PATH_BOTH},  {"os.chdir", SBX_EVENT_CHDIR},
        {"os.truncate", SBX_EVENT_TRUNCATE},  {"object.__setattr__", SBX_EVENT_SETATTR},
        {"os.putenv", SBX_EVENT_ENV},         {"os.unsetenv", SBX_EVENT_ENV},
        {"_thread.start_new_thread", SBX_EVENT_THREAD},
        {"_thread.start_joinable_thread", SBX_EVENT_THREAD},
        {"audit_perms.new", SBX_EVENT_ENGINE}, {"audit_perms.set_data", SBX_EVENT_ENGINE},
        {"fastaudit.call", SBX_EVENT_NATIVE_CALL},
        {"subprocess.Popen", SBX_EVENT_DENY}, {"os.system", SBX_EVENT_DENY},
        {"os.exec", SBX_EVENT_DENY},          {"os.posix_spawn", SBX_EVENT_DENY},
        {"os.kill", SBX_EVENT_DENY},          {"ctypes.dlopen", SBX_EVENT_DENY},
        {"ctypes.dlsym", SBX_EVENT_DENY},     {"ctypes.cdata", SBX_EVENT_DENY},
        {"sys.addaudithook", SBX_EVENT_DENY}, {"socket.connect", SBX_EVENT_DENY},
        {"winreg.SetValue", SBX_EVENT_DENY},  {"gc", SBX_EVENT_DENY},
        {"", SBX_EVENT_DENY},                 {"opener", SBX_EVENT_DENY},
        {"mypackage.event", SBX_EVENT_DENY},
    };

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        enum sbx_event_class got = sbx_policy_classify(cases[i].event);
        if (got != cases[i].cls)
            fprintf(stderr, "event %s\n", cases[i].event);
        INT_EQ(got, cases[i].cls);
    }
    INT_EQ(sbx_policy_dir_fd_index("os.rename", 0), 2);
    INT_EQ(sbx_policy_dir_fd_index("os.rename", 1), 3);
    INT_EQ(sbx_policy_dir_fd_index("os.remove", 0), 1);
    INT_EQ(sbx_policy_dir_fd_index("open", 0), -1);
}

static void test_rules(void)
{
    OK(sbx_policy_open_writes("w", 0));
    OK(sbx_policy_open_writes("ab", 0));
    OK(sbx_policy_open_writes("xb", 0));
    OK(sbx_policy_open_writes("r+", 0));
    OK(!sbx_policy_open_writes("r", O_WRONLY)); /* a mode decides; flags only without one */
    OK(!sbx_policy_open_writes("rb", 0));
    OK(sbx_policy_open_writes(NULL, O_WRONLY));
    OK(sbx_policy_open_writes(NULL, O_RDWR));
    OK(sbx_policy_open_writes(NULL, O_CREAT));
    OK(sbx_policy_open_writes(NULL, O_TRUNC));
    OK(sbx_policy_open_writes(NULL, O_APPEND));
    OK(!sbx_policy_open_writes(NULL, O_RDONLY | O_CLOEXEC));

    OK(sbx_policy_setattr_allowed("__qualname__"));
    OK(sbx_policy_setattr_allowed("__doc__"));
    OK(sbx_policy_setattr_allowed("__class__"));
    OK(!sbx_policy_setattr_allowed("__code__"));
    OK(!sbx_policy_setattr_allowed("__kwdefaults__"));
    OK(!sbx_policy_setattr_allowed("__name__"));
    OK(!sbx_policy_setattr_allowed("__doc__x"));

    static const struct {
        const char *name;
        bool protected_;
    } env[] = {
        {"PATH", true},        {"path", true},          {"Ld_Library_Path", true},
        {"HOME", true},        {"TMP", true},           {"PYTHONPATH", true},
        {"pythonhome", true},  {"PIP_INDEX_URL", true}, {"UV_CACHE_DIR", true},
        {"MY_VAR", false},     {"PATHS", false},        {"TMPX", false},
        {"PIP", false},        {"UV", false},           {"XPYTHON", false},
        /* the hardened additions (issue 12) */
        {"LD_PRELOAD", true},  {"ld_audit", true},      {"LD_BIND_NOW", true},
        {"BASH_ENV", true},    {"env", true},           {"PATH ", true},
        {"MY_VAR\t", true},    {"PATH=x", true},        {"=", true},
        {"LD", false},         {"ENVX", false},         {"OLD_PRELOAD", false},
        {" PATHX", false},
    };
    for (size_t i = 0; i < sizeof env / sizeof env[0]; i++)
        INT_EQ(sbx_policy_env_protected(env[i].name, strlen(env[i].name)), env[i].protected_);

    /* sqlite3.connect with uri=True, hardened (issue 12): the URI's path is judged */
    static const struct {
        const char *database, *path; /* path NULL: no path to judge */
    } uris[] = {
        {"file:/tmp/x.db", "/tmp/x.db"},
        {"file:///tmp/x.db?mode=rwc", "/tmp/x.db"},
        {"file://localhost/etc/x.db#frag", "/etc/x.db"},
        {"file:%2Ftmp%2Fx.db", "/tmp/x.db"},
        {"file:notes.db?cache=shared", "notes.db"},
        {"file:a%00b", NULL},
        {"file:?mode=memory", NULL},
        {"notes.db", NULL},
        {"/tmp/file:x.db", NULL},
    };
    for (size_t i = 0; i < sizeof uris / sizeof uris[0]; i++) {
        char out[64];
        bool got = sbx_policy_sqlite_uri_path(uris[i].database, out, sizeof out);
        INT_EQ(got, uris[i].path != NULL);
        if (got && uris[i].path)
            STR_EQ(out, uris[i].path);
    }
}

static void test_paths(void)
{
    char dir[] = "/tmp/fa-policy-XXXXXX", path[2 * PATH_MAX], out[PATH_MAX], want[2 * PATH_MAX];
    char real[PATH_MAX];

    OK(mkdtemp(dir) != NULL);
    OK(realpath(dir, real) != NULL);
    snprintf(path, sizeof path, "%s/root", dir);
    OK(mkdir(path, 0700) == 0);
    snprintf(path, sizeof path, "%s/root/sub", dir);
    OK(mkdir(path, 0700) == 0);
    snprintf(path, sizeof path, "%s/root/out", dir);
    OK(symlink("/etc", path) == 0);
    snprintf(path, sizeof path, "%s/root/rel", dir);
    OK(symlink("sub/../..", path) == 0); /* resolves to dir itself */
    snprintf(path, sizeof path, "%s/loop", dir);
    OK(symlink("loop", path) == 0);

    /* Existing, with a symlink out of the root. */
    snprintf(path, sizeof path, "%s/root/out/passwd", dir);
    INT_EQ(sbx_path_resolve(path, "/", out, sizeof out), 0);
    STR_EQ(out, "/etc/passwd");
    INT_EQ(sbx_path_resolve_parent(path, "/", out, sizeof out), 0);
    STR_EQ(out, "/etc");
    /* Relative, through a relative symlink, with "..". */
    snprintf(path, sizeof path, "%s/root", dir);
    INT_EQ(sbx_path_resolve("rel/root/sub/../sub", path, out, sizeof out), 0);
    snprintf(want, sizeof want, "%s/root/sub", real);
    STR_EQ(out, want);
    /* A missing tail is kept as written, ".." still applies. */
    INT_EQ(sbx_path_resolve("sub/new/deeper/../file", path, out, sizeof out), 0);
    snprintf(want, sizeof want, "%s/root/sub/new/file", real);
    STR_EQ(out, want);
    /* The parent is taken lexically first: "sub/.." has parent root's parent. */
    INT_EQ(sbx_path_resolve_parent("sub/x", path, out, sizeof out), 0);
    snprintf(want, sizeof want, "%s/root/sub", real);
    STR_EQ(out, want);
    INT_EQ(sbx_path_resolve_parent("/", "/", out, sizeof out), 0);
    STR_EQ(out, "/");
    INT_EQ(sbx_path_resolve("/../..", "/", out, sizeof out), 0);
    STR_EQ(out, "/");
    /* Under a trusted (already resolved) folder only the components below it are looked
     * at: a symlink below the root still leads out. */
    {
        char root[PATH_MAX + 8];
        char *trusted[1] = {root};

        snprintf(root, sizeof root, "%s/root", real);
        snprintf(path, sizeof path, "%s/out/x", root);
        INT_EQ(sbx_path_resolve_parent_under(path, "/", trusted, 1, out, sizeof out), 0);
        STR_EQ(out, "/etc");
        snprintf(path, sizeof path, "%s/sub/new/../x", root);
        INT_EQ(sbx_path_resolve_parent_under(path, "/", trusted, 1, out, sizeof out), 0);
        snprintf(want, sizeof want, "%s/sub", root);
        STR_EQ(out, want);
        INT_EQ(sbx_path_resolve_parent_under("x", root, trusted, 1, out, sizeof out), 0);
        STR_EQ(out, root);
        INT_EQ(sbx_path_resolve_parent_under("/etc/passwd", "/", trusted, 1, out, sizeof out), 0);
        STR_EQ(out, "/etc");
    }
    /* A loop fails rather than spinning. */
    snprintf(path, sizeof path, "%s/loop/x", dir);
    INT_EQ(sbx_path_resolve(path, "/", out, sizeof out), -1);
    /* Too small a buffer fails. */
    INT_EQ(sbx_path_resolve("/etc/passwd", "/", out, 5), -1);

    OK(sbx_path_inside("/a/b", "/a/b"));
    OK(sbx_path_inside("/a/b/c", "/a/b"));
    OK(!sbx_path_inside("/a/bc", "/a/b"));
    OK(!sbx_path_inside("/a", "/a/b"));
    OK(sbx_path_inside("/anything", "/"));

    snprintf(path, sizeof path, "rm -rf '%s'", dir);
    OK(system(path) == 0);
}

int main(void)
{
    test_table_sorted();
    test_classes();
    test_rules();
    test_paths();
    return harness_exit();
}
