/* cli.h — what every subcommand shares: the -c/--rules/--rules-d options and
 * loading the catalog and site config they name. */
#ifndef UCF_CLI_H
#define UCF_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>

#include "catalog.h"
#include "config.h"

enum { UCF_OPT_RULES = 0x100, UCF_OPT_RULES_D, UCF_OPT_JSON, UCF_OPT_FIRST_FREE };

/* Put these in a command's getopt_long table; short options "c:h". */
#define UCF_CLI_LONGOPTS                                                  \
	{ "config", required_argument, NULL, 'c' },                       \
	{ "rules", required_argument, NULL, UCF_OPT_RULES },              \
	{ "rules-d", required_argument, NULL, UCF_OPT_RULES_D },          \
	{ "help", no_argument, NULL, 'h' }

struct ucf_cli {
	const char *config_path;     /* -c FILE; default UCF_DEFAULT_CONFIG */
	const char *rules_dir;       /* --rules DIR; default: see ucf_cli_rules_dir() */
	const char *local_rules_dir; /* --rules-d DIR; default UCF_LOCAL_RULES_DIR */
};

void ucf_cli_init(struct ucf_cli *cli);
/* Takes a shared option; false if opt is not one of them. */
bool ucf_cli_option(struct ucf_cli *cli, int opt, const char *arg);
/* The shipped catalog: --rules, else rules/ beside the binary when it runs
 * from the source tree (rules/.source-tree exists), else UCF_RULES_DIR. */
const char *ucf_cli_rules_dir(const struct ucf_cli *cli, char *buf, size_t buflen);
/* Loads the catalog, then the config. On error fills err and returns -errno. */
int ucf_cli_load(const struct ucf_cli *cli, struct ucf_catalog **cat, struct ucf_config **cfg,
		 char *err, size_t errlen);
/* The same for a command that enforces (run, apply, classify): a
 * collector's config, which has nothing to enforce, is refused (-EINVAL,
 * naming `ucfence watch`). */
int ucf_cli_load_site(const struct ucf_cli *cli, struct ucf_catalog **cat,
		      struct ucf_config **cfg, char *err, size_t errlen);
/* For commands that take no operands: 0 when getopt consumed every argument,
 * else prints which one is unexpected and returns 2 (the usage exit code). */
int ucf_cli_operands(const char *cmd, int argc, char **argv);
/* Prints "ucfence CMD: usage..." style help for the shared options. */
void ucf_cli_print_common_help(void);

#endif
