/* merakitraffic.c — see merakitraffic.h. The header check is what nDPI uses for
 * MerakiCloud; a port alone is never enough. */
#include "merakitraffic.h"

#include "bytes.h"

static bool in_autovpn(uint16_t port)
{
	return port >= UCF_AUTOVPN_FIRST && port <= UCF_AUTOVPN_LAST;
}

enum ucf_meraki_kind ucf_meraki_match(uint16_t sport, uint16_t dport, const uint8_t *p, size_t n)
{
	if (n < 8 || ucf_rd32(p) != 0xfef72891u)
		return UCF_MERAKI_NONE;
	if (sport == UCF_MERAKI_CLOUD_PORT || dport == UCF_MERAKI_CLOUD_PORT)
		return UCF_MERAKI_CLOUD;
	if (in_autovpn(sport) || in_autovpn(dport))
		return UCF_MERAKI_AUTOVPN;
	return UCF_MERAKI_NONE;
}
