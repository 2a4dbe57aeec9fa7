/* srv_cmd_backup.h: the `fa-learn backup` command: an online copy of a data folder's store
 * (quiz_store_backup), safe while `fa-learn serve` goes on writing to it. */
#ifndef FA_SERVER_CLI_SRV_CMD_BACKUP_H
#define FA_SERVER_CLI_SRV_CMD_BACKUP_H

/* Its help text. */
extern const char srv_cmd_backup_usage[];

/* Runs `fa-learn backup [--data DIR] OUT.db` (argv holds the arguments after "backup").
 * data_dir is the default of --data. Prints one line on success ("fa-learn backup: N attempts
 * copied to OUT.db") and returns the exit status: 0 done, 1 the backup failed (one line on
 * stderr; OUT.db untouched), 2 usage errors. */
int srv_cmd_backup(int argc, char **argv, const char *data_dir);

#endif
