/* srv_cmd_stats.h: the `fa-learn stats` command: a class's attempts and the statistics of
 * its questions (quiz/quiz_results.h), read from a data folder (safe while `fa-learn serve`
 * runs), as text, CSV (RFC 4180) or JSON. */
#ifndef FA_SERVER_CLI_SRV_CMD_STATS_H
#define FA_SERVER_CLI_SRV_CMD_STATS_H

/* Its help text. */
extern const char srv_cmd_stats_usage[];

/* Runs `fa-learn stats [OPTIONS]` (argv holds the arguments after "stats"); data_dir and
 * quiz_dir are the defaults of --data and --quiz-dir. Returns the exit status: 0 done, 1 the
 * data or the bank could not be read (one line on stderr), 2 usage errors. */
int srv_cmd_stats(int argc, char **argv, const char *data_dir, const char *quiz_dir);

#endif
