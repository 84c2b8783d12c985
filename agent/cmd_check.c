/* cmd_check.c — `ucfence check`: validate config and catalog, summarise. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "alertmanager.h"
#include "confwarn.h"

static json_t *prefixes_json(const struct ucf_prefix_list *list)
{
	json_t *arr = json_array();
	char buf[64];
	for (size_t i = 0; i < list->count; i++) {
		ucf_prefix_format(&list->items[i], buf, sizeof(buf));
		json_array_append_new(arr, json_string(buf));
	}
	return arr;
}

static json_t *strings_json(const char *const *items, size_t count)
{
	json_t *arr = json_array();
	for (size_t i = 0; i < count; i++)
		json_array_append_new(arr, json_string(items[i]));
	return arr;
}

static json_t *ifnames_json(const struct ucf_ifname *names, size_t count)
{
	json_t *arr = json_array();
	for (size_t i = 0; i < count; i++)
		json_array_append_new(arr, json_string(names[i].name));
	return arr;
}

/* The enabled services as the catalog describes them. */
static json_t *services_json(const struct ucf_config *c, const struct ucf_catalog *cat)
{
	json_t *arr = json_array();
	char buf[64];
	for (size_t i = 0; i < c->uc.services.count; i++) {
		const struct ucf_service *s = ucf_catalog_find(cat, c->uc.services.items[i]);
		json_t *ports = json_array();
		for (size_t k = 0; s && k < s->port_count; k++) {
			ucf_service_port_format(&s->ports[k], buf, sizeof(buf));
			json_array_append_new(ports, json_string(buf));
		}
		json_array_append_new(arr, json_pack("{s:s, s:o, s:b, s:b, s:s?}", "name",
						     c->uc.services.items[i], "ports", ports,
						     "media", s && s->media, "inspected",
						     s && s->inspected, "description",
						     s ? s->description : NULL));
	}
	return arr;
}

static json_t *warnings_json(const struct ucf_config_warnings *w)
{
	json_t *arr = json_array();
	for (size_t i = 0; i < w->count; i++) {
		const struct ucf_config_warning *it = &w->items[i];
		json_array_append_new(arr, json_pack("{s:s, s:I, s:I, s:s, s:s}", "file", it->file,
						     "line", (json_int_t)it->line, "column",
						     (json_int_t)it->column, "path", it->path,
						     "message", it->message));
	}
	return arr;
}

static const char *am_auth(const struct ucf_config *c)
{
	return c->alerts.alertmanager.bearer_token_file ? "bearer token"
	       : c->alerts.alertmanager.basic_user      ? "basic auth"
							: "none";
}

/* The Alertmanager peers by scheme and host only (a URL's path may matter
 * to no one, but logs and summaries never carry more), or null. */
static json_t *alertmanager_json(const struct ucf_config *c)
{
	const struct ucf_string_list *urls = &c->alerts.alertmanager.urls;
	if (urls->count == 0)
		return json_null();
	json_t *peers = json_array();
	for (size_t i = 0; i < urls->count; i++) {
		char origin[256];
		ucf_alertmanager_origin(urls->items[i], origin, sizeof(origin));
		json_array_append_new(peers, json_string(origin));
	}
	return json_pack("{s:o, s:I, s:s, s:b}", "peers", peers, "resolve_after_s",
			 (json_int_t)c->alerts.alertmanager.resolve_after_s, "auth", am_auth(c),
			 "ca_file", c->alerts.alertmanager.ca_file != NULL);
}

static void print_alertmanager(const struct ucf_config *c)
{
	const struct ucf_string_list *urls = &c->alerts.alertmanager.urls;
	if (urls->count == 0)
		return;
	printf("%-12s %zu peer%s:", "alertmanager", urls->count, urls->count == 1 ? "" : "s");
	for (size_t i = 0; i < urls->count; i++) {
		char origin[256];
		ucf_alertmanager_origin(urls->items[i], origin, sizeof(origin));
		printf("%s%s", i ? ", " : " ", origin);
	}
	printf("; resolve after %llus, auth %s%s\n",
	       (unsigned long long)c->alerts.alertmanager.resolve_after_s, am_auth(c),
	       c->alerts.alertmanager.ca_file ? ", own CA file" : "");
}

static json_t *summary_json(const struct ucf_config *c, const struct ucf_catalog *cat,
			    const char *rules_dir)
{
	char addr[64], range[16], tls_range[16], rate[32];
	ucf_prefix_format(&c->appliance.address, addr, sizeof(addr));
	snprintf(tls_range, sizeof(tls_range), "%u-%u", c->uc.media.tls_range.first,
		 c->uc.media.tls_range.last);
	snprintf(range, sizeof(range), "%u-%u", c->uc.media.static_range.first,
		 c->uc.media.static_range.last);
	snprintf(rate, sizeof(rate), "%u/%s", c->enforcement.log_rate.count,
		 ucf_rate_unit_name(c->enforcement.log_rate.unit));
	return json_pack(
		"{s:b, s:s, s:{s:s, s:s}, s:{s:o, s:o, s:s, s:s}, "
		"s:{s:o, s:o, s:o, s:{s:b, s:s?, s:I, s:b, s:b, s:s, s:I}}, s:{s:s, s:o}, s:{s:s, s:s, s:b}, "
		"s:{s:b, s:s, s:I, s:b, s:s?, s:I, s:I}, s:{s:s, s:I, s:b, s:b, s:o}, s:{s:i, s:s}}",
		"valid", 1, "config", c->source,
		"site", "name", c->site.name, "mode", ucf_mode_name(c->site.mode),
		"interfaces", "uc", ifnames_json(c->interfaces.uc, c->interfaces.uc_count),
		"data", ifnames_json(c->interfaces.data, c->interfaces.data_count),
		"appliance", c->interfaces.appliance, "wan", c->interfaces.wan,
		"uc", "endpoints", prefixes_json(&c->uc.endpoints),
		"servers", prefixes_json(&c->uc.servers),
		"services", strings_json((const char *const *)c->uc.services.items,
					 c->uc.services.count),
		"media", "learn", c->uc.media.learn,
		"static_range", c->uc.media.static_enabled ? range : NULL,
		"timeout_s", (json_int_t)c->uc.media.timeout_s,
		"shape_check", c->uc.media.shape_check, "tls_calls", c->uc.media.tls_calls,
		"tls_range", tls_range, "tls_timeout_s", (json_int_t)c->uc.media.tls_timeout_s,
		"appliance", "address", addr, "remote_subnets",
		prefixes_json(&c->appliance.remote_subnets),
		"enforcement", "action", ucf_action_name(c->enforcement.action), "log_rate", rate,
		"require_encryption", c->enforcement.require_encryption,
		"meraki", "enabled", c->meraki.enabled, "scope", ucf_scope_name(c->meraki.scope),
		"sites", (json_int_t)c->meraki.site_networks.count, "collector_only",
		c->collector_only, "organization_id", c->meraki.organization_id,
		"networks", (json_int_t)c->meraki.network_ids.count,
		"poll_interval_s", (json_int_t)c->meraki.poll_interval_s,
		"alerts", "spool", c->alerts.spool, "retention_s", (json_int_t)c->alerts.retention_s,
		"syslog", c->alerts.syslog, "webhook", c->alerts.webhook_url != NULL,
		"alertmanager", alertmanager_json(c),
		"catalog", "services", (int)cat->count, "rules_dir", rules_dir);
}

static void print_list(const char *label, const struct ucf_prefix_list *list, const char *noun)
{
	char buf[64];
	printf("%-12s %zu %s%s", label, list->count, noun, list->count == 1 ? "" : "es");
	for (size_t i = 0; i < list->count && i < 4; i++) {
		ucf_prefix_format(&list->items[i], buf, sizeof(buf));
		printf("%s%s", i ? ", " : " (", buf);
	}
	printf("%s\n", list->count > 4 ? ", ...)" : list->count ? ")" : "");
}

/* Who watches the Dashboard for this site, honestly: a site served by its
 * organization's collector makes no Dashboard call of its own. */
static void print_meraki(const struct ucf_config *c)
{
	if (c->meraki.scope == UCF_SCOPE_SERVED)
		printf("%-12s Dashboard watch: off here (scope served: the organization's "
		       "collector watches this site; this agent makes no Dashboard call)\n", "meraki");
	else if (c->meraki.enabled && c->meraki.scope == UCF_SCOPE_ORGANIZATION)
		printf("%-12s organization collector for %s: every network, %zu mapped in sites "
		       "(the others by their Dashboard name), every %llus\n", "meraki",
		       c->meraki.organization_id, c->meraki.site_networks.count,
		       (unsigned long long)c->meraki.poll_interval_s);
	else if (c->meraki.enabled)
		printf("%-12s organization %s, %zu network(s), %zu serial(s), every %llus\n",
		       "meraki", c->meraki.organization_id, c->meraki.network_ids.count,
		       c->meraki.serials.count, (unsigned long long)c->meraki.poll_interval_s);
	else
		printf("%-12s disabled\n", "meraki");
}

static void print_summary(const struct ucf_config *c, const struct ucf_catalog *cat,
			  const char *rules_dir)
{
	char addr[64];
	printf("%s: valid\n", c->source);
	if (c->collector_only) {
		printf("%-12s %s, organization collector (nothing enforced here: run it with "
		       "`ucfence watch`)\n", "site", c->site.name);
		print_meraki(c);
		printf("%-12s %s%s%s\n", "alerts", c->alerts.spool, c->alerts.syslog ? ", syslog" : "",
		       c->alerts.webhook_url ? ", webhook" : "");
		print_alertmanager(c);
		return;
	}
	printf("%-12s %s, %s mode\n", "site", c->site.name, ucf_mode_name(c->site.mode));
	printf("%-12s uc:", "interfaces");
	for (size_t i = 0; i < c->interfaces.uc_count; i++)
		printf(" %s", c->interfaces.uc[i].name);
	if (c->interfaces.data_count) {
		printf("  data:");
		for (size_t i = 0; i < c->interfaces.data_count; i++)
			printf(" %s", c->interfaces.data[i].name);
	}
	printf("  appliance: %s  wan: %s\n", c->interfaces.appliance, c->interfaces.wan);
	print_list("endpoints", &c->uc.endpoints, "prefix");
	print_list("servers", &c->uc.servers, "prefix");
	ucf_prefix_format(&c->appliance.address, addr, sizeof(addr));
	printf("%-12s %s\n", "appliance", addr);
	if (c->appliance.remote_subnets.count)
		print_list("remote", &c->appliance.remote_subnets, "prefix");
	printf("%-12s", "services");
	for (size_t i = 0; i < c->uc.services.count; i++)
		printf("%s%s", i ? ", " : " ", c->uc.services.items[i]);
	putchar('\n');
	for (size_t i = 0; i < c->uc.services.count; i++) {
		const struct ucf_service *s = ucf_catalog_find(cat, c->uc.services.items[i]);
		char ports[256];
		if (!s)
			continue;
		ucf_service_ports_format(s, ports, sizeof(ports));
		printf("  %-18s %-22s %s\n", s->name, s->media ? "uc.media" : ports,
		       s->description);
	}
	printf("%-12s %s", "media", c->uc.media.learn ? "learned from signalling" : "not learned");
	if (c->uc.media.static_enabled)
		printf(", static %u-%u", c->uc.media.static_range.first,
		       c->uc.media.static_range.last);
	if (c->uc.media.static_enabled && c->uc.media.shape_check)
		printf(" (media-shaped only)");
	printf(", timeout %llus", (unsigned long long)c->uc.media.timeout_s);
	if (c->uc.media.tls_calls)
		printf(", TLS calls %u-%u", c->uc.media.tls_range.first, c->uc.media.tls_range.last);
	putchar('\n');
	printf("%-12s %s, log %u/%s%s\n", "enforcement", ucf_action_name(c->enforcement.action),
	       c->enforcement.log_rate.count, ucf_rate_unit_name(c->enforcement.log_rate.unit),
	       c->enforcement.require_encryption ? ", encryption required" : "");
	print_meraki(c);
	printf("%-12s %s%s%s\n", "alerts", c->alerts.spool, c->alerts.syslog ? ", syslog" : "",
	       c->alerts.webhook_url ? ", webhook" : "");
	print_alertmanager(c);
	printf("%-12s %zu services from %s\n", "catalog", cat->count, rules_dir);
}

/* What carries the media of TLS-only signalling (config.h); on stderr so
 * --json stays one object. */
static void help(void)
{
	printf("usage: ucfence check [-c FILE] [--json]\n\n"
	       "Validates the site config and the service catalog and prints a summary.\n"
	       "Exit status: 0 valid, 1 invalid, 2 usage error.\n\n"
	       "      --json          print the summary as one JSON object\n");
	ucf_cli_print_common_help();
}

int cmd_check(int argc, char **argv)
{
	static const struct option opts[] = { UCF_CLI_LONGOPTS, { "json", no_argument, NULL, UCF_OPT_JSON },
					       { NULL, 0, NULL, 0 } };
	struct ucf_cli cli;
	struct ucf_catalog *cat = NULL;
	struct ucf_config *cfg = NULL;
	bool json = false;
	char err[1024], buf[4200];
	int opt;

	ucf_cli_init(&cli);
	optind = 1;
	while ((opt = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		if (ucf_cli_option(&cli, opt, optarg))
			continue;
		if (opt == UCF_OPT_JSON) {
			json = true;
		} else if (opt == 'h') {
			help();
			return 0;
		} else {
			fprintf(stderr, "ucfence check: see --help\n");
			return 2;
		}
	}
	if (ucf_cli_operands("check", argc, argv) != 0)
		return 2;
	if (ucf_cli_load(&cli, &cat, &cfg, err, sizeof(err)) < 0) {
		if (json) {
			json_t *o = json_pack("{s:b, s:s}", "valid", 0, "error", err);
			json_dumpf(o, stdout, JSON_COMPACT);
			putchar('\n');
			json_decref(o);
		}
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	const char *rules_dir = ucf_cli_rules_dir(&cli, buf, sizeof(buf));
	struct ucf_config_warnings warnings;
	if (ucf_config_warnings(cfg, cat, &warnings, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		ucf_config_free(cfg);
		ucf_catalog_free(cat);
		return 1;
	}
	if (json) {
		json_t *o = summary_json(cfg, cat, rules_dir);
		json_object_set_new(o, "services", services_json(cfg, cat));
		json_object_set_new(o, "warnings", warnings_json(&warnings));
		json_dumpf(o, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(o);
	} else {
		/* on stderr like errors, so a valid config's summary stays as it was */
		for (size_t i = 0; i < warnings.count; i++) {
			char line[2048];
			ucf_config_warning_format(&warnings.items[i], line, sizeof(line));
			fprintf(stderr, "%s\n", line);
		}
		print_summary(cfg, cat, rules_dir);
	}
	ucf_config_warnings_free(&warnings);
	ucf_config_free(cfg);
	ucf_catalog_free(cat);
	return 0;
}
