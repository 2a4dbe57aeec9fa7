/* srv_cmd_run.h: the `fa-learn run` command. */
#ifndef FA_SERVER_CLI_SRV_CMD_RUN_H
#define FA_SERVER_CLI_SRV_CMD_RUN_H

/* Its help text. */
extern const char srv_cmd_run_usage[];

/* Runs `fa-learn run ARGS` (argv holds the arguments after "run"); returns the exit status.
 * Forks the sandbox supervisor, so call it before any thread exists. */
int srv_cmd_run(int argc, char **argv);

#endif
