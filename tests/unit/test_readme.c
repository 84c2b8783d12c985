/* Every key in config/example.yaml is documented in the README's config
 * reference, written there as `dotted.key.path`. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "yamlnode.h"

static char *readme;
static size_t keys_checked;

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	char *buf = calloc(1, 1 << 20);
	assert_non_null(buf);
	size_t n = fread(buf, 1, (1 << 20) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void check_keys(struct ucf_yaml *y, yaml_node_t *map, const char *prefix)
{
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *k = yaml_document_get_node(&y->doc, p->key);
		yaml_node_t *v = yaml_document_get_node(&y->doc, p->value);
		char path[256], quoted[260];
		snprintf(path, sizeof(path), "%s%s%s", prefix, *prefix ? "." : "",
			 (char *)k->data.scalar.value);
		snprintf(quoted, sizeof(quoted), "`%s`", path);
		if (!strstr(readme, quoted))
			fail_msg("config key %s is not documented in README.md (write it as %s)", path,
				 quoted);
		keys_checked++;
		if (v->type == YAML_MAPPING_NODE)
			check_keys(y, v, path);
	}
}

static void test_every_example_key_documented(void **state)
{
	(void)state;
	struct ucf_yaml y;
	char err[512];
	char *whole = slurp("README.md");
	readme = strstr(whole, "## Configuration reference"); /* only that section counts */
	assert_non_null(readme);
	assert_int_equal(ucf_yaml_load_file(&y, "config/example.yaml", err, sizeof(err)), 0);
	check_keys(&y, ucf_yaml_root(&y), "");
	ucf_yaml_done(&y);
	free(whole);
	assert_true(keys_checked >= 40);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_example_key_documented),
	};
	return cmocka_run_group_tests_name("readme", tests, NULL, NULL);
}
