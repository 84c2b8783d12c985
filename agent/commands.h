/* commands.h — the subcommands main() dispatches to. Each gets argv from its
 * own name on and returns the exit status: 0 success, 1 failure, 2 usage. */
#ifndef UCF_COMMANDS_H
#define UCF_COMMANDS_H

int cmd_check(int argc, char **argv);
int cmd_plan(int argc, char **argv);
int cmd_apply(int argc, char **argv);
int cmd_flush(int argc, char **argv);
int cmd_classify(int argc, char **argv);
int cmd_watch(int argc, char **argv);
int cmd_alerts(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_status(int argc, char **argv);

#endif
