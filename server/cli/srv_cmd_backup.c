/* srv_cmd_backup.c: `fa-learn backup` (see srv_cmd_backup.h; the copy itself is
 * quiz_store_backup in quiz/quiz_store.c, the owner of all SQL). */
#include "server/cli/srv_cmd_backup.h"

#include "common/fa_err.h"
#include "quiz/quiz_store.h"

#include <stdio.h>
#include <string.h>

const char srv_cmd_backup_usage[] =
    "Usage: fa-learn backup [--data DIR] OUT.db\n"
    "\n"
    "Copies the store of quiz attempts (DIR/fa-learn.db) to OUT.db with SQLite's online\n"
    "backup: safe while `fa-learn serve` runs, and the copy holds every attempt acknowledged\n"
    "before the backup began. OUT.db is replaced only once the copy is whole and checked.\n"
    "To restore: stop the server, put the copy in place as DIR/fa-learn.db (no -wal or -shm\n"
    "file beside it), start the server.\n"
    "\n"
    "  --data DIR   the server's data folder [FA_LEARN_DATA] (default ./fa-learn-data)\n"
    "\n"
    "Exit status: 0 done, 1 the backup failed, 2 usage errors.\n";

int srv_cmd_backup(int argc, char **argv, const char *data_dir)
{
    const char *out = NULL;
    struct fa_diag diag = {{0}};
    long n = 0;

    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(srv_cmd_backup_usage, stdout);
            return 0;
        }
        if (strncmp(argv[i], "--data=", 7) == 0) {
            data_dir = argv[i] + 7;
        } else if (strcmp(argv[i], "--data") == 0) {
            if (i + 1 == argc) {
                fprintf(stderr, "fa-learn backup: option '--data' needs a value\n");
                return 2;
            }
            data_dir = argv[++i];
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            fprintf(stderr, "fa-learn backup: unknown option '%s' (see fa-learn help backup)\n",
                    argv[i]);
            return 2;
        } else if (out) {
            fprintf(stderr, "fa-learn backup: one output file only (see fa-learn help backup)\n");
            return 2;
        } else {
            out = argv[i];
        }
    }
    if (!out || !*out) {
        fprintf(stderr, "fa-learn backup: name the copy to write: fa-learn backup [--data DIR] "
                        "OUT.db\n");
        return 2;
    }
    if (quiz_store_backup(data_dir, out, &n, &diag)) {
        fprintf(stderr, "fa-learn %s\n", diag.msg);
        return 1;
    }
    printf("fa-learn backup: %ld attempt%s copied to %s\n", n, n == 1 ? "" : "s", out);
    return 0;
}
