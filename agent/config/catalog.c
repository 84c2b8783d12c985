/* catalog.c — the UC service catalog from YAML files. */
#include "catalog.h"

#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"
#include "yamlnode.h"

#define MAX_SERVICES 1024

struct ucf_catalog *ucf_catalog_new(void)
{
	return calloc(1, sizeof(struct ucf_catalog));
}

static void service_free(struct ucf_service *s)
{
	free(s->name);
	free(s->description);
	free(s->reference);
	free(s->origin);
	free(s->ports);
	for (size_t i = 0; i < s->dest_count; i++)
		free(s->destinations[i]);
	free(s->destinations);
}

static void destination_free(struct ucf_destination *d)
{
	free(d->name);
	free(d->reference);
	free(d->origin);
	free(d->prefixes);
}

void ucf_catalog_free(struct ucf_catalog *cat)
{
	if (!cat)
		return;
	for (size_t i = 0; i < cat->count; i++)
		service_free(&cat->services[i]);
	free(cat->services);
	for (size_t i = 0; i < cat->dest_count; i++)
		destination_free(&cat->destinations[i]);
	free(cat->destinations);
	free(cat);
}

const struct ucf_service *ucf_catalog_find(const struct ucf_catalog *cat, const char *name)
{
	for (size_t i = 0; i < cat->count; i++)
		if (strcmp(cat->services[i].name, name) == 0)
			return &cat->services[i];
	return NULL;
}

static const char *const role_names[] = { "uc", "gateway", "appliance" };
#define NROLES (sizeof(role_names) / sizeof(role_names[0]))

void ucf_roles_format(unsigned roles, char *buf, size_t buflen)
{
	size_t used = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < NROLES; i++) {
		if (!(roles & (1u << i)))
			continue;
		int n = snprintf(buf + used, buflen - used, "%s%s", used ? ", " : "", role_names[i]);
		if (n < 0 || (size_t)n >= buflen - used)
			return;
		used += (size_t)n;
	}
}

void ucf_service_port_format(const struct ucf_service_port *p, char *buf, size_t buflen)
{
	if (p->l4proto == IPPROTO_ICMP) {
		snprintf(buf, buflen, "icmp/echo");
		return;
	}
	const char *proto = p->l4proto == IPPROTO_TCP ? "tcp" : "udp";
	if (p->ports.first == p->ports.last)
		snprintf(buf, buflen, "%s/%u", proto, p->ports.first);
	else
		snprintf(buf, buflen, "%s/%u-%u", proto, p->ports.first, p->ports.last);
}

void ucf_service_ports_format(const struct ucf_service *s, char *buf, size_t buflen)
{
	size_t used = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < s->port_count; i++) {
		char one[32];
		ucf_service_port_format(&s->ports[i], one, sizeof(one));
		int n = snprintf(buf + used, buflen - used, "%s%s", i ? ", " : "", one);
		if (n < 0 || (size_t)n >= buflen - used)
			return;
		used += (size_t)n;
	}
}

static int parse_description(struct ucf_yaml *y, yaml_node_t *v, void *ctx)
{
	return ucf_yaml_strdup(y, v, "description", &((struct ucf_service *)ctx)->description);
}

static int parse_reference(struct ucf_yaml *y, yaml_node_t *v, void *ctx)
{
	return ucf_yaml_strdup(y, v, "reference", &((struct ucf_service *)ctx)->reference);
}

static int parse_media(struct ucf_yaml *y, yaml_node_t *v, void *ctx)
{
	return ucf_yaml_bool(y, v, "media", &((struct ucf_service *)ctx)->media);
}

static int parse_inspected(struct ucf_yaml *y, yaml_node_t *v, void *ctx)
{
	return ucf_yaml_bool(y, v, "inspected", &((struct ucf_service *)ctx)->inspected);
}

static int parse_cleartext(struct ucf_yaml *y, yaml_node_t *v, void *ctx)
{
	return ucf_yaml_bool(y, v, "cleartext", &((struct ucf_service *)ctx)->cleartext);
}

static int parse_signalling(struct ucf_yaml *y, yaml_node_t *v, void *ctx)
{
	struct ucf_service *s = ctx;
	const char *text;
	int rc = ucf_yaml_scalar(y, v, "signalling", &text);
	if (rc < 0)
		return rc;
	if (strcmp(text, "cleartext") == 0)
		s->signalling = UCF_SIGNALLING_CLEARTEXT;
	else if (strcmp(text, "tls") == 0)
		s->signalling = UCF_SIGNALLING_TLS;
	else
		return ucf_yaml_fail(y, v, "unknown signalling '%s' (use cleartext or tls)", text);
	return 0;
}

static int parse_role(struct ucf_yaml *y, yaml_node_t *v, void *ctx)
{
	struct ucf_service *s = ctx;
	const char *text;
	int rc = ucf_yaml_scalar(y, v, "roles", &text);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < NROLES; i++) {
		if (strcmp(text, role_names[i]) == 0) {
			s->roles |= 1u << i;
			return 0;
		}
	}
	return ucf_yaml_fail(y, v, "unknown role '%s' (use uc, gateway or appliance)", text);
}

static int parse_roles(struct ucf_yaml *y, yaml_node_t *v, void *ctx)
{
	return ucf_yaml_each(y, v, "roles", parse_role, ctx);
}

/* "udp/5060" or "tcp/9350-9381" */
static int parse_port(struct ucf_yaml *y, yaml_node_t *v, void *ctx)
{
	struct ucf_service *s = ctx;
	struct ucf_service_port port;
	const char *text;
	char why[160];
	int rc = ucf_yaml_scalar(y, v, "ports", &text);
	if (rc < 0)
		return rc;
	if (strcmp(text, "icmp/echo") == 0) {
		port.l4proto = IPPROTO_ICMP;
		port.ports.first = port.ports.last = 0;
		goto push;
	}
	if (strncmp(text, "udp/", 4) == 0)
		port.l4proto = IPPROTO_UDP;
	else if (strncmp(text, "tcp/", 4) == 0)
		port.l4proto = IPPROTO_TCP;
	else
		return ucf_yaml_fail(y, v,
				     "invalid port '%s' (expected udp/PORTS, tcp/PORTS or icmp/echo)",
				     text);
	if (ucf_parse_port_range(text + 4, &port.ports, why, sizeof(why)) < 0)
		return ucf_yaml_fail(y, v, "%s", why);
push:;
	struct ucf_service_port *grown =
		ucf_grow_array(s->ports, NULL, s->port_count + 1, sizeof(*s->ports), 0);
	if (!grown)
		return -ENOMEM;
	s->ports = grown;
	s->ports[s->port_count++] = port;
	return 0;
}

static int parse_ports(struct ucf_yaml *y, yaml_node_t *v, void *ctx)
{
	return ucf_yaml_each(y, v, "ports", parse_port, ctx);
}

static bool valid_service_name(const char *name);

#define MAX_DEST_NAMES 16

static int parse_dest_name(struct ucf_yaml *y, yaml_node_t *v, void *ctx)
{
	struct ucf_service *s = ctx;
	const char *text;
	int rc = ucf_yaml_scalar(y, v, "destinations", &text);
	if (rc < 0)
		return rc;
	if (!valid_service_name(text))
		return ucf_yaml_fail(y, v,
				     "invalid destination '%s' (a destination list's name or one of "
				     UCF_DEST_VPN_PEERS ", " UCF_DEST_RESOLVERS ", " UCF_DEST_TIME_SERVERS
				     ", " UCF_DEST_ANY ")", text);
	if (ucf_service_has_destination(s, text))
		return ucf_yaml_fail(y, v, "destination '%s' is named twice", text);
	if (s->dest_count >= MAX_DEST_NAMES)
		return ucf_yaml_fail(y, v, "too many destinations (at most %d)", MAX_DEST_NAMES);
	char **grown = ucf_grow_array(s->destinations, NULL, s->dest_count + 1,
				      sizeof(*s->destinations), 0);
	if (!grown)
		return -ENOMEM;
	s->destinations = grown;
	if (!(s->destinations[s->dest_count] = strdup(text)))
		return -ENOMEM;
	s->dest_count++;
	return 0;
}

static int parse_destinations(struct ucf_yaml *y, yaml_node_t *v, void *ctx)
{
	return ucf_yaml_each(y, v, "destinations", parse_dest_name, ctx);
}

static const struct ucf_yaml_key service_keys[] = {
	{ "description", parse_description, "a description" },
	{ "reference", parse_reference, "a reference (RFC or vendor guide)" },
	{ "roles", parse_roles, NULL },
	{ "ports", parse_ports, NULL },
	{ "media", parse_media, NULL },
	{ "inspected", parse_inspected, NULL },
	{ "cleartext", parse_cleartext, NULL },
	{ "signalling", parse_signalling, NULL },
	{ "destinations", parse_destinations, NULL },
};

static bool valid_service_name(const char *name)
{
	size_t len = strlen(name);
	if (len == 0 || len > 32 || name[0] == '-')
		return false;
	for (const char *c = name; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-'))
			return false;
	return true;
}

static int parse_service(struct ucf_yaml *y, struct ucf_catalog *cat, yaml_node_t *knode,
			 yaml_node_t *vnode)
{
	struct ucf_service s = { 0 };
	const char *name;
	const struct ucf_yaml_key *missing;
	char section[64];
	int rc = ucf_yaml_scalar(y, knode, "service name", &name);
	if (rc < 0)
		return rc;
	if (!valid_service_name(name))
		return ucf_yaml_fail(y, knode,
				     "invalid service name '%s' (lower-case letters, digits and '-', at most 32)",
				     name);
	const struct ucf_service *dup = ucf_catalog_find(cat, name);
	if (dup)
		return ucf_yaml_fail(y, knode, "service '%s' is already defined at %s", name,
				     dup->origin);
	if (cat->count >= MAX_SERVICES)
		return ucf_yaml_fail(y, knode, "too many services (at most %d)", MAX_SERVICES);
	snprintf(section, sizeof(section), "service '%s'", name);
	rc = ucf_yaml_walk_map(y, vnode, section, service_keys,
			       sizeof(service_keys) / sizeof(service_keys[0]), &s, &missing);
	if (rc == 0 && missing)
		rc = ucf_yaml_fail(y, vnode, "service '%s' needs %s", name, missing->required);
	if (rc == 0 && s.roles == 0)
		rc = ucf_yaml_fail(y, vnode, "service '%s' needs at least one role", name);
	if (rc == 0 && s.media && s.port_count > 0)
		rc = ucf_yaml_fail(y, vnode,
				   "media service '%s' takes its ports from uc.media; remove 'ports'",
				   name);
	if (rc == 0 && s.media && s.roles != UCF_ROLE_UC)
		rc = ucf_yaml_fail(y, vnode, "media service '%s' must have exactly the role uc",
				   name);
	/* RTP and SRTP share the media ports: a port does not tell them apart. */
	if (rc == 0 && s.media && s.cleartext)
		rc = ucf_yaml_fail(y, vnode,
				   "media service '%s' cannot be marked cleartext: its ports carry "
				   "SRTP as well as RTP", name);
	if (rc == 0 && s.cleartext && !(s.roles & UCF_ROLE_UC))
		rc = ucf_yaml_fail(y, vnode, "service '%s' is marked cleartext but has not the role uc",
				   name);
	if (rc == 0 && s.media && s.signalling != UCF_SIGNALLING_NONE)
		rc = ucf_yaml_fail(y, vnode, "media service '%s' cannot be signalling", name);
	if (rc == 0 && !s.media && s.port_count == 0)
		rc = ucf_yaml_fail(y, vnode, "service '%s' needs ports", name);
	/* The appliance's own traffic is limited by destination as well as
	 * port: a port alone lets a host NATed behind it through. */
	if (rc == 0 && (s.roles & UCF_ROLE_APPLIANCE) && s.dest_count == 0)
		rc = ucf_yaml_fail(y, vnode,
				   "service '%s' has the role appliance and needs 'destinations' "
				   "(a destination list, " UCF_DEST_VPN_PEERS ", " UCF_DEST_RESOLVERS
				   ", " UCF_DEST_TIME_SERVERS " or " UCF_DEST_ANY ")", name);
	for (size_t i = 0; rc == 0 && i < s.port_count; i++)
		if (s.ports[i].l4proto == IPPROTO_ICMP && s.roles != UCF_ROLE_APPLIANCE)
			rc = ucf_yaml_fail(y, vnode,
					   "service '%s': icmp/echo is for services with exactly the "
					   "role appliance", name);
	if (rc == 0) {
		char origin[512];
		snprintf(origin, sizeof(origin), "%s:%zu", y->name, ucf_yaml_line(knode));
		s.name = strdup(name);
		s.origin = strdup(origin);
		struct ucf_service *grown =
			ucf_grow_array(cat->services, NULL, cat->count + 1, sizeof(*cat->services), 0);
		if (!s.name || !s.origin || !grown) {
			if (grown)
				cat->services = grown;
			rc = -ENOMEM;
		} else {
			cat->services = grown;
			cat->services[cat->count++] = s;
			return 0;
		}
	}
	service_free(&s);
	return rc;
}

#define MAX_DESTINATIONS 64
#define MAX_DEST_PREFIXES 256

static int parse_dest_reference(struct ucf_yaml *y, yaml_node_t *v, void *ctx)
{
	return ucf_yaml_strdup(y, v, "reference", &((struct ucf_destination *)ctx)->reference);
}

static int parse_dest_prefix(struct ucf_yaml *y, yaml_node_t *v, void *ctx)
{
	struct ucf_destination *d = ctx;
	struct ucf_prefix p;
	const char *text;
	char why[160];
	int rc = ucf_yaml_scalar(y, v, "prefixes", &text);
	if (rc < 0)
		return rc;
	if (ucf_parse_prefix(text, &p, why, sizeof(why)) < 0)
		return ucf_yaml_fail(y, v, "%s", why);
	if (d->count >= MAX_DEST_PREFIXES)
		return ucf_yaml_fail(y, v, "too many prefixes (at most %d)", MAX_DEST_PREFIXES);
	struct ucf_prefix *grown =
		ucf_grow_array(d->prefixes, NULL, d->count + 1, sizeof(*d->prefixes), 0);
	if (!grown)
		return -ENOMEM;
	d->prefixes = grown;
	d->prefixes[d->count++] = p;
	return 0;
}

static int parse_dest_prefixes(struct ucf_yaml *y, yaml_node_t *v, void *ctx)
{
	return ucf_yaml_each(y, v, "prefixes", parse_dest_prefix, ctx);
}

static const struct ucf_yaml_key destination_keys[] = {
	{ "reference", parse_dest_reference, "a reference (the vendor page and when it was read)" },
	{ "prefixes", parse_dest_prefixes, "'prefixes'" },
};

static bool dest_keyword(const char *name)
{
	return strcmp(name, UCF_DEST_VPN_PEERS) == 0 || strcmp(name, UCF_DEST_RESOLVERS) == 0 ||
	       strcmp(name, UCF_DEST_TIME_SERVERS) == 0 || strcmp(name, UCF_DEST_ANY) == 0;
}

static int parse_destination(struct ucf_yaml *y, struct ucf_catalog *cat, yaml_node_t *knode,
			     yaml_node_t *vnode)
{
	struct ucf_destination d = { 0 };
	const struct ucf_yaml_key *missing;
	const char *name;
	char section[64], origin[512];
	int rc = ucf_yaml_scalar(y, knode, "destination name", &name);
	if (rc < 0)
		return rc;
	if (!valid_service_name(name) || dest_keyword(name))
		return ucf_yaml_fail(y, knode,
				     "invalid destination name '%s' (lower-case letters, digits and "
				     "'-', at most 32, not a keyword)", name);
	const struct ucf_destination *dup = ucf_catalog_destination(cat, name);
	if (dup)
		return ucf_yaml_fail(y, knode, "destination '%s' is already defined at %s", name,
				     dup->origin);
	if (cat->dest_count >= MAX_DESTINATIONS)
		return ucf_yaml_fail(y, knode, "too many destinations (at most %d)",
				     MAX_DESTINATIONS);
	snprintf(section, sizeof(section), "destination '%s'", name);
	rc = ucf_yaml_walk_map(y, vnode, section, destination_keys,
			       sizeof(destination_keys) / sizeof(destination_keys[0]), &d, &missing);
	if (rc == 0 && missing)
		rc = ucf_yaml_fail(y, vnode, "destination '%s' needs %s", name, missing->required);
	if (rc == 0 && d.count == 0)
		rc = ucf_yaml_fail(y, vnode, "destination '%s' needs at least one prefix", name);
	if (rc == 0) {
		snprintf(origin, sizeof(origin), "%s:%zu", y->name, ucf_yaml_line(knode));
		d.name = strdup(name);
		d.origin = strdup(origin);
		struct ucf_destination *grown = ucf_grow_array(
			cat->destinations, NULL, cat->dest_count + 1, sizeof(*cat->destinations), 0);
		if (grown)
			cat->destinations = grown;
		if (!d.name || !d.origin || !grown) {
			rc = -ENOMEM;
		} else {
			cat->destinations[cat->dest_count++] = d;
			return 0;
		}
	}
	destination_free(&d);
	return rc;
}

/* A catalog file: `services:` and optionally `destinations:`, in any order. */
static int add_document(struct ucf_catalog *cat, struct ucf_yaml *y)
{
	yaml_node_t *root = ucf_yaml_root(y);
	yaml_node_t *services = NULL, *destinations = NULL;
	int rc = ucf_yaml_want_map(y, root, "catalog file");
	if (rc < 0)
		return rc;
	for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *k = yaml_document_get_node(&y->doc, p->key);
		yaml_node_t *v = yaml_document_get_node(&y->doc, p->value);
		const char *key = k->type == YAML_SCALAR_NODE ? (char *)k->data.scalar.value : "";
		yaml_node_t **slot = strcmp(key, "services") == 0	? &services
				     : strcmp(key, "destinations") == 0 ? &destinations
									  : NULL;
		if (!slot || *slot)
			return ucf_yaml_fail(y, k, "a catalog file has the keys 'services' and, "
						   "optionally, 'destinations', each once");
		*slot = v;
	}
	if (!services)
		return ucf_yaml_fail(y, root, "a catalog file needs the key 'services'");
	if (destinations) {
		rc = ucf_yaml_want_map(y, destinations, "destinations");
		for (yaml_node_pair_t *p = destinations->data.mapping.pairs.start;
		     rc == 0 && p < destinations->data.mapping.pairs.top; p++)
			rc = parse_destination(y, cat, yaml_document_get_node(&y->doc, p->key),
					       yaml_document_get_node(&y->doc, p->value));
		if (rc < 0)
			return rc;
	}
	rc = ucf_yaml_want_map(y, services, "services");
	for (yaml_node_pair_t *p = services->data.mapping.pairs.start;
	     rc == 0 && p < services->data.mapping.pairs.top; p++)
		rc = parse_service(y, cat, yaml_document_get_node(&y->doc, p->key),
				   yaml_document_get_node(&y->doc, p->value));
	return rc;
}

const struct ucf_destination *ucf_catalog_destination(const struct ucf_catalog *cat,
						      const char *name)
{
	for (size_t i = 0; i < cat->dest_count; i++)
		if (strcmp(cat->destinations[i].name, name) == 0)
			return &cat->destinations[i];
	return NULL;
}

bool ucf_service_has_destination(const struct ucf_service *s, const char *name)
{
	for (size_t i = 0; i < s->dest_count; i++)
		if (strcmp(s->destinations[i], name) == 0)
			return true;
	return false;
}

int ucf_catalog_check(const struct ucf_catalog *cat, char *err, size_t errlen)
{
	for (size_t i = 0; i < cat->count; i++) {
		const struct ucf_service *s = &cat->services[i];
		for (size_t j = 0; j < s->dest_count; j++) {
			if (dest_keyword(s->destinations[j]) ||
			    ucf_catalog_destination(cat, s->destinations[j]))
				continue;
			snprintf(err, errlen,
				 "%s: service '%s' names destination '%s', which no catalog file "
				 "defines", s->origin, s->name, s->destinations[j]);
			return -EINVAL;
		}
	}
	return 0;
}

int ucf_catalog_add_text(struct ucf_catalog *cat, const char *name, const char *text, size_t len,
			 char *err, size_t errlen)
{
	struct ucf_yaml y;
	int rc = ucf_yaml_load(&y, name, text, len, err, errlen);
	if (rc < 0)
		return rc;
	rc = add_document(cat, &y);
	ucf_yaml_done(&y);
	return rc;
}

static int yaml_file_filter(const struct dirent *d)
{
	size_t len = strlen(d->d_name);
	return d->d_name[0] != '.' && len > 5 && strcmp(d->d_name + len - 5, ".yaml") == 0;
}

static int add_dir(struct ucf_catalog *cat, const char *dir, bool must_exist, char *err,
		   size_t errlen)
{
	struct dirent **names;
	int n = scandir(dir, &names, yaml_file_filter, alphasort);
	int rc = 0;
	if (n < 0) {
		if (errno == ENOENT && !must_exist)
			return 0;
		rc = -errno;
		snprintf(err, errlen, "%s: cannot read rules directory: %s", dir, strerror(errno));
		return rc;
	}
	for (int i = 0; i < n; i++) {
		char path[4096];
		struct ucf_yaml y;
		if (rc == 0 && snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name) >=
				       (int)sizeof(path))
			rc = -ENAMETOOLONG;
		if (rc == 0)
			rc = ucf_yaml_load_file(&y, path, err, errlen);
		if (rc == 0) {
			/* messages point into path; the services keep a copy of origin */
			rc = add_document(cat, &y);
			ucf_yaml_done(&y);
		}
		free(names[i]);
	}
	free(names);
	return rc;
}

int ucf_catalog_load(const char *shipped_dir, const char *local_dir, struct ucf_catalog **out,
		     char *err, size_t errlen)
{
	struct ucf_catalog *cat = ucf_catalog_new();
	int rc;
	if (!cat)
		return -ENOMEM;
	rc = add_dir(cat, shipped_dir, true, err, errlen);
	if (rc == 0 && local_dir)
		rc = add_dir(cat, local_dir, false, err, errlen);
	if (rc == 0 && cat->count == 0) {
		snprintf(err, errlen, "%s: no services found (expected *.yaml files)", shipped_dir);
		rc = -ENOENT;
	}
	if (rc == 0)
		rc = ucf_catalog_check(cat, err, errlen);
	if (rc < 0) {
		ucf_catalog_free(cat);
		return rc;
	}
	*out = cat;
	return 0;
}

bool ucf_service_ports_match(const struct ucf_service_port *p, size_t n, uint8_t l4proto,
			     uint16_t port)
{
	for (size_t i = 0; i < n; i++)
		if (p[i].l4proto == l4proto && port >= p[i].ports.first && port <= p[i].ports.last)
			return true;
	return false;
}
