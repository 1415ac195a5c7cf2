/* TCP (RFC 9293), UDP (RFC 768), ICMP (RFC 792) and ICMPv6 (RFC 4443).
 *
 *  TCP:  |          Source Port          |       Destination Port        |
 *        |                        Sequence Number                        |
 *        |                    Acknowledgment Number                      |
 *        |  Data |Res|N|C|E|U|A|P|R|S|F|            Window             |
 *        |           Checksum            |         Urgent Pointer        |
 *        |                    Options                    |    Padding    |
 */
#include "decode/cursor.h"
#include "decode/decode.h"

#include <string.h>

static void note_option_length(pkt_view *v, uint8_t kind, uint8_t len)
{
	static const uint8_t want[9] = {0, 0, 4, 3, 2, 0, 0, 0, 10};
	if (kind < 9 && want[kind] && want[kind] != len)
		v->quirks |= Q_TCP_OPT_BAD;
}

static void tcp_option_value(cursor *o, uint8_t kind, uint8_t len, pkt_view *v)
{
	tcp_opts *t = &v->opt;
	cursor val = rd_sub(o, (size_t)len - 2);
	switch (kind) {
	case TCPOPT_MSS:
		t->has_mss = 1;
		t->mss = rd_be16(&val);
		break;
	case TCPOPT_WS:
		t->has_ws = 1;
		t->wscale = rd_u8(&val);
		if (t->wscale > 14)
			v->quirks |= Q_TCP_WS_HIGH;
		break;
	case TCPOPT_SACKOK:
		t->sack_ok = 1;
		break;
	case TCPOPT_TS:
		t->has_ts = 1;
		t->tsval = rd_be32(&val);
		t->tsecr = rd_be32(&val);
		if (t->tsecr && (v->tcp_flags & (TCP_SYN | TCP_ACK)) == TCP_SYN)
			v->quirks |= Q_TCP_TS_ECR;
		break;
	default:
		break;
	}
}

/* Options are kept in wire order as a list of kinds (p0f's "olayout"). */
void decode_tcp_options(cursor *o, pkt_view *v)
{
	tcp_opts *t = &v->opt;
	while (rd_left(o) > 0) {
		uint8_t kind = rd_u8(o);
		if (t->n < TCP_MAX_OPTS)
			t->kind[t->n++] = kind;
		if (kind == TCPOPT_EOL) {
			size_t rest = rd_left(o);
			t->eol_pad = (uint8_t)rest;
			const uint8_t *p = rd_view(o, rest);
			for (size_t i = 0; p && i < rest; i++)
				if (p[i])
					v->quirks |= Q_TCP_OPT_PAD;
			return;
		}
		if (kind == TCPOPT_NOP)
			continue;
		uint8_t len = rd_u8(o);
		if (!rd_ok(o) || len < 2 || (size_t)(len - 2) > rd_left(o)) {
			/* running past options that the snap length cut is not the sender's */
			if ((rd_ok(o) && len < 2) || !o->capped || !(v->quirks & Q_SNAPPED))
				v->quirks |= Q_TCP_OPT_BAD;
			return;
		}
		note_option_length(v, kind, len);
		tcp_option_value(o, kind, len, v);
	}
}

static void tcp_flag_quirks(pkt_view *v)
{
	uint8_t f = v->tcp_flags;
	if (f == 0 || (f & (TCP_SYN | TCP_FIN)) == (TCP_SYN | TCP_FIN) ||
	    (f & (TCP_SYN | TCP_RST)) == (TCP_SYN | TCP_RST) ||
	    (f & (TCP_FIN | TCP_PSH | TCP_URG)) == (TCP_FIN | TCP_PSH | TCP_URG))
		v->quirks |= Q_TCP_FLAGS;
	if (v->ack && !(f & TCP_ACK))
		v->quirks |= Q_TCP_ACK_NZ;
	if (v->urg && !(f & TCP_URG))
		v->quirks |= Q_TCP_URG_NZ;
	if (v->tcp_res)
		v->quirks |= Q_TCP_RESERVED;
}

static void set_payload(cursor *c, pkt_view *v)
{
	v->payload = rd_ptr(c);
	v->payload_len = (uint32_t)rd_left(c);
}

static void note_ports(pkt_view *v)
{
	if (v->sport == 0 || v->dport == 0)
		v->quirks |= Q_PORT_ZERO;
}

void decode_tcp(cursor *c, pkt_view *v)
{
	const uint8_t *h = rd_view(c, 20);
	if (!h) {
		v->quirks |= (v->quirks & Q_SNAPPED) ? 0 : Q_TRUNC;
		return;
	}
	v->sport = ld_be16(h);
	v->dport = ld_be16(h + 2);
	v->seq = ld_be32(h + 4);
	v->ack = ld_be32(h + 8);
	uint8_t off = h[12];
	v->tcp_flags = h[13];
	v->win = ld_be16(h + 14);
	v->urg = ld_be16(h + 18); /* 16-17: checksum */
	v->l4_ok = 1;
	v->tcp_res = off & 0x0f;
	v->tcp_hlen = (uint8_t)((off >> 4) * 4);
	note_ports(v);
	tcp_flag_quirks(v);
	if (v->tcp_hlen < 20) {
		v->quirks |= Q_TCP_DOFF;
		set_payload(c, v);
		return;
	}
	cursor opts = rd_sub(c, (size_t)v->tcp_hlen - 20);
	if (opts.capped && !(v->quirks & Q_SNAPPED))
		v->quirks |= Q_TCP_DOFF | Q_TRUNC;
	v->opt.len = (uint8_t)rd_left(&opts);
	decode_tcp_options(&opts, v);
	set_payload(c, v);
}

void decode_udp(cursor *c, pkt_view *v)
{
	const uint8_t *h = rd_view(c, 8);
	if (!h) {
		v->quirks |= (v->quirks & Q_SNAPPED) ? 0 : Q_TRUNC;
		return;
	}
	v->sport = ld_be16(h);
	v->dport = ld_be16(h + 2);
	v->udp_len = ld_be16(h + 4); /* 6-7: checksum */
	v->l4_ok = 1;
	note_ports(v);
	size_t body = rd_left(c);
	if (v->udp_len < 8) {
		v->quirks |= Q_UDP_LEN;
	} else if (!(v->quirks & Q_FRAGMENT)) {
		size_t declared = (size_t)v->udp_len - 8;
		int snapped = (v->quirks & Q_SNAPPED) != 0;
		if (declared < body || (declared > body && !snapped))
			v->quirks |= Q_UDP_LEN;
		if (declared < body)
			body = declared; /* trust the smaller of the two */
	}
	v->payload = rd_ptr(c);
	v->payload_len = (uint32_t)body;
}

static int icmp_is_error(const pkt_view *v)
{
	uint8_t t = v->icmp_type;
	if (v->proto == 1)
		return t == 3 || t == 4 || t == 5 || t == 11 || t == 12;
	return t >= 1 && t <= 4;
}

/* The quoted packet: an IP header and at least 8 bytes of its payload. */
static void decode_quote(cursor *c, pkt_view *v)
{
	quote_view *q = &v->quote;
	int cut = c->capped && (v->quirks & Q_SNAPPED); /* the snap length cut the quote */
	uint8_t ver = rd_left(c) ? rd_ptr(c)[0] >> 4 : 0;
	size_t hl;
	if (ver == 4) {
		uint8_t vihl = rd_u8(c);
		rd_skip(c, 3);
		q->ipid = rd_be16(c);
		rd_skip(c, 2);
		q->ttl = rd_u8(c);
		q->proto = rd_u8(c);
		rd_skip(c, 2);
		addr_from_v4(q->src, rd_be32(c));
		addr_from_v4(q->dst, rd_be32(c));
		hl = (size_t)(vihl & 0x0f) * 4;
		if (hl < 20)
			hl = 20;
		rd_skip(c, hl - 20);
	} else if (ver == 6) {
		rd_skip(c, 6);
		q->proto = rd_u8(c);
		q->ttl = rd_u8(c);
		rd_bytes(c, q->src, 16);
		rd_bytes(c, q->dst, 16);
	} else {
		if (rd_left(c) || !cut)
			v->quirks |= Q_ICMP_QUOTE;
		return;
	}
	if (!rd_ok(c)) {
		if (!cut)
			v->quirks |= Q_ICMP_QUOTE;
		return;
	}
	q->family = ver;
	if (q->proto == 6 || q->proto == 17) {
		cursor l4 = *c;
		q->sport = rd_be16(&l4);
		q->dport = rd_be16(&l4);
		if (q->proto == 6)
			q->seq = rd_be32(&l4);
		if (!rd_ok(&l4) && !cut)
			v->quirks |= Q_ICMP_QUOTE;
	}
}

void decode_icmp(cursor *c, pkt_view *v)
{
	v->icmp_type = rd_u8(c);
	v->icmp_code = rd_u8(c);
	rd_skip(c, 2); /* checksum */
	uint32_t rest = rd_be32(c);
	(void)rest;
	if (!rd_ok(c)) {
		v->quirks |= (v->quirks & Q_SNAPPED) ? 0 : Q_ICMP_BAD;
		return;
	}
	v->l4_ok = 1;
	set_payload(c, v);
	if (icmp_is_error(v)) {
		cursor q = *c;
		decode_quote(&q, v);
	}
}
