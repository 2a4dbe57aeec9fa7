/* srv_cmd_check.h: the `fa-learn check` command: validates the course content the way the
 * server would load it, and more (links, anchors, images, code marks, the sandbox gallery's
 * and trace table's wiki links), and the quiz's question bank, and exits non-zero on any
 * problem. */
#ifndef FA_SERVER_CLI_SRV_CMD_CHECK_H
#define FA_SERVER_CLI_SRV_CMD_CHECK_H

/* Its help text. */
extern const char srv_cmd_check_usage[];

/* Runs `fa-learn check ARGS` (argv holds the arguments after "check"). content_dir,
 * static_dir and quiz_dir are the defaults of --content, --static and --quiz. Returns the exit status: 0 when
 * everything is in order, 1 when something is not (each problem printed on stderr as
 * "file:line: what is wrong"), 2 for usage errors. */
int srv_cmd_check(int argc, char **argv, const char *content_dir, const char *static_dir,
                  const char *quiz_dir);

#endif
