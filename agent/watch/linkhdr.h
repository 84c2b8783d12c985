/* linkhdr.h — the HTTP Link header (RFC 8288) as the Dashboard API uses it
 * for pagination: `<URL>; rel=next, <URL>; rel="prev first"`. */
#ifndef UCF_LINKHDR_H
#define UCF_LINKHDR_H

/* Finds the target of relation rel in a Link header value. Tolerant: rel
 * quoted or not, in any case, among several relations or parameters, with
 * or without spaces; commas and semicolons inside <...> belong to the URL;
 * elements that do not parse are skipped. On 0, *url is a malloc'd copy (as
 * given, maybe relative); -ENOENT if no such relation, -ENOMEM. */
int ucf_link_find(const char *header, const char *rel, char **url);

#endif
