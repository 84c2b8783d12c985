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
}

void ucf_catalog_free(struct ucf_catalog *cat)
{
	if (!cat)
		return;
	for (size_t i = 0; i < cat->count; i++)
		service_free(&cat->services[i]);
	free(cat->services);
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
	if (strncmp(text, "udp/", 4) == 0)
		port.l4proto = IPPROTO_UDP;
	else if (strncmp(text, "tcp/", 4) == 0)
		port.l4proto = IPPROTO_TCP;
	else
		return ucf_yaml_fail(y, v, "invalid port '%s' (expected udp/PORTS or tcp/PORTS)",
				     text);
	if (ucf_parse_port_range(text + 4, &port.ports, why, sizeof(why)) < 0)
		return ucf_yaml_fail(y, v, "%s", why);
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

static const struct ucf_yaml_key service_keys[] = {
	{ "description", parse_description, "a description" },
	{ "reference", parse_reference, "a reference (RFC or vendor guide)" },
	{ "roles", parse_roles, NULL },
	{ "ports", parse_ports, NULL },
	{ "media", parse_media, NULL },
	{ "inspected", parse_inspected, NULL },
	{ "cleartext", parse_cleartext, NULL },
	{ "signalling", parse_signalling, NULL },
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

static int add_document(struct ucf_catalog *cat, struct ucf_yaml *y)
{
	yaml_node_t *root = ucf_yaml_root(y);
	int rc = ucf_yaml_want_map(y, root, "catalog file");
	if (rc < 0)
		return rc;
	if (root->data.mapping.pairs.top - root->data.mapping.pairs.start != 1)
		return ucf_yaml_fail(y, root, "a catalog file has exactly one key, 'services'");
	yaml_node_pair_t *top = root->data.mapping.pairs.start;
	yaml_node_t *k = yaml_document_get_node(&y->doc, top->key);
	yaml_node_t *services = yaml_document_get_node(&y->doc, top->value);
	if (k->type != YAML_SCALAR_NODE || strcmp((char *)k->data.scalar.value, "services") != 0)
		return ucf_yaml_fail(y, k, "a catalog file has exactly one key, 'services'");
	rc = ucf_yaml_want_map(y, services, "services");
	for (yaml_node_pair_t *p = services->data.mapping.pairs.start;
	     rc == 0 && p < services->data.mapping.pairs.top; p++)
		rc = parse_service(y, cat, yaml_document_get_node(&y->doc, p->key),
				   yaml_document_get_node(&y->doc, p->value));
	return rc;
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
