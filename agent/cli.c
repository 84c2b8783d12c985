/* cli.c — options and loading shared by every subcommand. */
#include "cli.h"

#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

void ucf_cli_init(struct ucf_cli *cli)
{
	cli->config_path = UCF_DEFAULT_CONFIG;
	cli->rules_dir = NULL;
	cli->local_rules_dir = UCF_LOCAL_RULES_DIR;
}

bool ucf_cli_option(struct ucf_cli *cli, int opt, const char *arg)
{
	switch (opt) {
	case 'c': cli->config_path = arg; return true;
	case UCF_OPT_RULES: cli->rules_dir = arg; return true;
	case UCF_OPT_RULES_D: cli->local_rules_dir = arg; return true;
	default: return false;
	}
}

/* A binary built in the source tree finds rules/ beside itself (marked by
 * rules/.source-tree), so `make && ./ucfence check` works uninstalled while
 * an installed binary always uses the installed catalog. */
const char *ucf_cli_rules_dir(const struct ucf_cli *cli, char *buf, size_t buflen)
{
	char exe[4096], marker[4200];
	ssize_t n;
	if (cli->rules_dir)
		return cli->rules_dir;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		const char *dir = dirname(exe);
		snprintf(marker, sizeof(marker), "%s/rules/.source-tree", dir);
		if (access(marker, F_OK) == 0 &&
		    snprintf(buf, buflen, "%s/rules", dir) < (int)buflen)
			return buf;
	}
	return UCF_RULES_DIR;
}

int ucf_cli_load(const struct ucf_cli *cli, struct ucf_catalog **cat, struct ucf_config **cfg,
		 char *err, size_t errlen)
{
	char buf[4200];
	int rc = ucf_catalog_load(ucf_cli_rules_dir(cli, buf, sizeof(buf)), cli->local_rules_dir,
				  cat, err, errlen);
	if (rc < 0)
		return rc;
	rc = ucf_config_load(cli->config_path, *cat, cfg, err, errlen);
	if (rc < 0) {
		ucf_catalog_free(*cat);
		*cat = NULL;
	}
	return rc;
}

int ucf_cli_load_site(const struct ucf_cli *cli, struct ucf_catalog **cat,
		      struct ucf_config **cfg, char *err, size_t errlen)
{
	int rc = ucf_cli_load(cli, cat, cfg, err, errlen);
	if (rc == 0 && (*cfg)->collector_only) {
		snprintf(err, errlen, "%s: an organization collector's config (meraki.scope "
			 "organization without interfaces, uc and appliance) enforces nothing: run "
			 "it with `ucfence watch -c %s`", (*cfg)->source, (*cfg)->source);
		ucf_config_free(*cfg);
		ucf_catalog_free(*cat);
		*cfg = NULL;
		*cat = NULL;
		return -EINVAL;
	}
	return rc;
}

void ucf_cli_print_common_help(void)
{
	printf("  -c, --config FILE   site config (default %s)\n"
	       "      --rules DIR     shipped service catalog (default %s,\n"
	       "                      or rules/ beside a binary built in the source tree)\n"
	       "      --rules-d DIR   site catalog additions (default %s)\n"
	       "  -h, --help          this help\n",
	       UCF_DEFAULT_CONFIG, UCF_RULES_DIR, UCF_LOCAL_RULES_DIR);
}

int ucf_cli_operands(const char *cmd, int argc, char **argv)
{
	if (optind == argc)
		return 0;
	fprintf(stderr, "ucfence %s: unexpected argument '%s'\n", cmd, argv[optind]);
	return 2;
}
