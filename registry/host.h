// Host names as pullguard decides on them. "Is this loopback?", "is this the registry's own
// host?" and "is this host exempt from the proxy?" must be asked of the address libcurl will
// really connect to, so every URL host has one canonical spelling, and the numeric spellings that
// libcurl (through inet_aton) and Go read differently are refused outright (docs/registry.md).
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"

namespace pullguard::registry {

// The host part of host[:port], [v6]:port or a bare IPv6 literal (no brackets, not lower-cased).
std::string HostPart(std::string_view host_port);

// The canonical spelling of a URL host (without brackets or port): lower-case; an IPv6 address as
// inet_ntop(3) prints it (RFC 5952); an IPv4 address as a.b.c.d. A host whose dot-separated labels
// are all numbers as inet_aton(3) reads them (decimal, 0-octal, 0x-hex: "2130706433",
// "0x7f000001", "0177.0.0.1", "127.1", "127.0.0.01", "1.2.3.4.") but that is not a dotted quad of
// decimal parts 0-255 without leading zeros is kInvalidArgument: libcurl connects to the address
// inet_aton makes of it, while Go (kubelet, containerd) does not read it as an address at all, so
// no decision taken on its text could be trusted.
Result<std::string> CanonicalHost(std::string_view host);

// host[:port] or [v6]:port -> whether the host is loopback: "localhost", 127.0.0.0/8, ::1, or
// ::ffff:127.0.0.0/104 (as Go's net.IP.IsLoopback). Decided on the text, never by DNS; a host
// CanonicalHost refuses is not loopback.
bool IsLoopbackHost(std::string_view host_port);

}  // namespace pullguard::registry
