/* merakitraffic.h — Meraki appliance traffic: the cloud controller tunnel (UDP 7351)
 * and AutoVPN registry (UDP 9350-9381). Both carry Meraki's tunnel header,
 * whose first four bytes are fe f7 28 91. */
#ifndef UCF_MERAKITRAFFIC_H
#define UCF_MERAKITRAFFIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UCF_MERAKI_CLOUD_PORT 7351
#define UCF_AUTOVPN_FIRST 9350
#define UCF_AUTOVPN_LAST 9381

enum ucf_meraki_kind { UCF_MERAKI_NONE, UCF_MERAKI_CLOUD, UCF_MERAKI_AUTOVPN };

/* Which Meraki service a UDP datagram between these ports belongs to. */
enum ucf_meraki_kind ucf_meraki_match(uint16_t sport, uint16_t dport, const uint8_t *p, size_t n);

#endif
