/* enforce_tool — the enforcer's element updates for the integration tests
 * (tests/integration/enforce_elements.sh), through ucfence's own objects:
 *
 *   enforce_tool apply CONFIG RULES_DIR [BLOCK...]
 *       builds the site's ruleset, carries each BLOCK in it
 *       (ucf_ruleset_add_blocks), applies; prints "created", "in place" or
 *       "replaced"
 *   enforce_tool media PEER ADDR PORT       ucf_enforcer_media: adds the pinhole
 *   enforce_tool unmedia PEER ADDR PORT     ... deletes it
 *   enforce_tool block BLOCK...             ucf_enforcer_block
 *
 * BLOCK is PROTO,SRC,SPORT,DST,DPORT (tcp|udp). Errors go to stderr with
 * the errno name; exit 0 done, 1 failed, 2 usage.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "cli.h"
#include "enforcer.h"
#include "policy.h"

static int parse_addr(const char *text, uint8_t *family, uint8_t *addr)
{
	uint8_t f = strchr(text, ':') ? AF_INET6 : AF_INET;
	if ((*family && *family != f) || inet_pton(f, text, addr) != 1)
		return -1;
	*family = f;
	return 0;
}

static int parse_port(const char *text, uint16_t *port)
{
	char *end;
	unsigned long v = strtoul(text, &end, 10);
	if (*end || v > 65535)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

static int parse_block(const char *text, struct ucf_block *b)
{
	char buf[256], *f[5], *save = NULL;
	size_t n = 0;
	snprintf(buf, sizeof(buf), "%s", text);
	for (char *t = strtok_r(buf, ",", &save); t && n < 5; t = strtok_r(NULL, ",", &save))
		f[n++] = t;
	memset(b, 0, sizeof(*b));
	if (n != 5)
		return -1;
	b->l4proto = strcmp(f[0], "tcp") == 0 ? IPPROTO_TCP : strcmp(f[0], "udp") == 0 ? IPPROTO_UDP : 0;
	if (!b->l4proto || parse_addr(f[1], &b->family, b->src) < 0 ||
	    parse_port(f[2], &b->sport) < 0 || parse_addr(f[3], &b->family, b->dst) < 0 ||
	    parse_port(f[4], &b->dport) < 0) {
		fprintf(stderr, "enforce_tool: bad block %s\n", text);
		return -1;
	}
	return 0;
}

static int parse_blocks(int n, char **args, struct ucf_block **out)
{
	*out = calloc(n > 0 ? (size_t)n : 1, sizeof(**out));
	if (!*out)
		return -1;
	for (int i = 0; i < n; i++)
		if (parse_block(args[i], &(*out)[i]) < 0)
			return -1;
	return 0;
}

static int cmd_apply(const char *config, const char *rules, int n, char **args)
{
	struct ucf_cli cli;
	struct ucf_catalog *cat = NULL;
	struct ucf_config *cfg = NULL;
	struct ucf_ruleset *rs = NULL;
	struct ucf_enforcer *e = NULL;
	struct ucf_block *b = NULL;
	struct ucf_apply_stats st;
	char err[2048];
	int rc;
	ucf_cli_init(&cli);
	cli.config_path = config;
	cli.rules_dir = rules;
	cli.local_rules_dir = NULL;
	if (parse_blocks(n, args, &b) < 0) {
		free(b);
		return 2;
	}
	rc = ucf_cli_load(&cli, &cat, &cfg, err, sizeof(err));
	if (rc == 0)
		rc = ucf_policy_build(cfg, cat, &rs, err, sizeof(err));
	if (rc == 0)
		rc = ucf_ruleset_add_blocks(rs, b, (size_t)n, err, sizeof(err));
	if (rc == 0)
		rc = ucf_enforcer_open(&e, err, sizeof(err));
	if (rc == 0)
		rc = ucf_enforcer_apply(e, rs, &st, err, sizeof(err));
	if (rc == 0)
		printf("%s\n", st.in_place ? "in place" : st.replaced ? "replaced" : "created");
	else
		fprintf(stderr, "enforce_tool: %s (%s)\n", err, strerrorname_np(-rc));
	ucf_enforcer_close(e);
	ucf_ruleset_free(rs);
	ucf_config_free(cfg);
	ucf_catalog_free(cat);
	free(b);
	return rc == 0 ? 0 : 1;
}

static int cmd_media(bool add, const char *peer, const char *addr, const char *port)
{
	struct ucf_pinhole m = { 0 };
	struct ucf_enforcer *e = NULL;
	char err[2048];
	if (parse_addr(peer, &m.family, m.peer) < 0 || parse_addr(addr, &m.family, m.addr) < 0 ||
	    parse_port(port, &m.port) < 0) {
		fprintf(stderr, "enforce_tool: bad pinhole %s %s %s\n", peer, addr, port);
		return 2;
	}
	int rc = ucf_enforcer_open(&e, err, sizeof(err));
	if (rc == 0)
		rc = ucf_enforcer_media(e, add ? &m : NULL, add, add ? NULL : &m, !add, err,
					sizeof(err));
	if (rc < 0)
		fprintf(stderr, "enforce_tool: %s (%s)\n", err, strerrorname_np(-rc));
	ucf_enforcer_close(e);
	return rc == 0 ? 0 : 1;
}

static int cmd_block(int n, char **args)
{
	struct ucf_block *b = NULL;
	struct ucf_enforcer *e = NULL;
	char err[2048];
	if (parse_blocks(n, args, &b) < 0) {
		free(b);
		return 2;
	}
	int rc = ucf_enforcer_open(&e, err, sizeof(err));
	if (rc == 0)
		rc = ucf_enforcer_block(e, b, (size_t)n, err, sizeof(err));
	if (rc < 0)
		fprintf(stderr, "enforce_tool: %s (%s)\n", err, strerrorname_np(-rc));
	ucf_enforcer_close(e);
	free(b);
	return rc == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc >= 4 && strcmp(argv[1], "apply") == 0)
		return cmd_apply(argv[2], argv[3], argc - 4, argv + 4);
	if (argc == 5 && (strcmp(argv[1], "media") == 0 || strcmp(argv[1], "unmedia") == 0))
		return cmd_media(argv[1][0] == 'm', argv[2], argv[3], argv[4]);
	if (argc >= 3 && strcmp(argv[1], "block") == 0)
		return cmd_block(argc - 2, argv + 2);
	fprintf(stderr, "usage: enforce_tool apply CONFIG RULES_DIR [BLOCK...] | media|unmedia PEER "
			"ADDR PORT | block BLOCK...\n"
			"  BLOCK: tcp|udp,SRC,SPORT,DST,DPORT\n");
	return 2;
}
