#!/usr/bin/env bats
# netns lab reads containerlab's file as containerlab does: environment
# variables expanded in the text, each kind's own interface names made as
# the Linux names containerlab gives them, link-level ipv4/ipv6 lists on
# the ends, and containerlab's link types that are not made yet refused
# naming the type, with nothing made. Addresses are 10.97/16 and fd97::/64,
# only ever inside the lab's namespaces.

load lab-helpers

setup() {
	lab_setup c
}

# The interfaces of node NODE, sorted, on one line.
ifs() {
	netns exec "$LAB-$1" ip -o link show | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' |
		sort | tr '\n' ' '
}

@test "lab: environment variables, set, unset with a default, and unset, as containerlab expands them" {
	# The name from a default, a node from a set variable; the unset one
	# is left as written (in an ignored key, where it harms nothing).
	cat >"$SCR/env.yml" <<'EOF'
name: ${NETNS_T_UNSET_NAME:=LABNAME}
topology:
  nodes:
    ${NETNS_T_NODE}:
      image: ${NETNS_T_UNSET}
    h1:
  links:
    - endpoints: ["${NETNS_T_NODE}:eth1", "h1:eth${NETNS_T_UNSET_IF:-9}"]
EOF
	sed -i "s/LABNAME/$LAB/" "$SCR/env.yml"
	unset NETNS_T_UNSET_NAME NETNS_T_UNSET NETNS_T_UNSET_IF
	NETNS_T_NODE=r1 run -0 --separate-stderr netns lab up "$SCR/env.yml"
	[ "$stderr" = "netns: lab: $SCR/env.yml:5:7: 'image' is ignored: nodes are namespaces" ]
	[ "$(names)" = "$LAB-h1 $LAB-r1 " ]
	netns exec "$LAB-r1" ip -o link show eth1 | grep -q 'state UP'
	netns exec "$LAB-h1" ip -o link show eth9 | grep -q 'state UP'
	# down FILE expands the same way, to the same lab.
	NETNS_T_NODE=r1 run -0 netns lab down "$SCR/env.yml"
	[ -z "$(names)" ]
	# An unclosed ${ is refused where it starts, nothing made.
	printf 'name: %s\ntopology:\n  nodes:\n    a: { image: "${X" }\n' "$LAB" >"$SCR/bad.yml"
	run --separate-stderr netns lab up "$SCR/bad.yml"
	assert_one_error 1 "netns: lab: $SCR/bad.yml:4:18: bad substitution"
	[ -z "$(names)" ]
	# A Go template is refused naming it, as containerlab would render it.
	printf 'name: %s\ntopology:\n  nodes:\n    a: { image: "{{ .img }}" }\n' "$LAB" >"$SCR/tmpl.yml"
	run --separate-stderr netns lab up "$SCR/tmpl.yml"
	assert_one_error 1 "netns: lab: $SCR/tmpl.yml:4:18: a Go template ('{{'): templated files are not supported yet"
	[ -z "$(names)" ]
}

@test "lab: SR Linux, cEOS, IOL, BIG-IP and SAOS port names are made as containerlab's Linux names" {
	cat >"$SCR/alias.yml" <<EOF
name: $LAB
topology:
  nodes:
    srl: { kind: nokia_srlinux }
    ceos: { kind: arista_ceos }
    iol: { kind: cisco_iol }
    f5: { kind: f5_bigip-ve }
    saos: { kind: ciena_saos }
  links:
    - endpoints: ["srl:ethernet-1/1", "ceos:Ethernet1"]
    - endpoints: ["srl:ethernet-1/3/2", "iol:Ethernet1/2"]
    - endpoints: ["f5:1.1", "saos:1"]
EOF
	run -0 --separate-stderr netns lab up "$SCR/alias.yml"
	[ -z "$stderr" ]
	[ "$(ifs srl)" = "e1-1 e1-3-2 lo " ]
	[ "$(ifs ceos)" = "eth1 lo " ]
	[ "$(ifs iol)" = "eth6 lo " ]
	[ "$(ifs f5)" = "eth1 lo " ]
	[ "$(ifs saos)" = "eth1 lo " ]
	# No mtu in the file: containerlab's 9500 on both ends.
	netns exec "$LAB-srl" ip -o link show e1-1 | grep -q ' mtu 9500 '
	netns exec "$LAB-ceos" ip -o link show eth1 | grep -q ' mtu 9500 '
	netns lab down "$LAB"
	# IOL's Ethernet0/0 is its management port: refused, nothing made.
	sed -i 's|iol:Ethernet1/2|iol:Ethernet0/0|' "$SCR/alias.yml"
	run --separate-stderr netns lab up "$SCR/alias.yml"
	assert_one_error 1 "netns: lab: $SCR/alias.yml:11:41: endpoint 'iol:Ethernet0/0': cisco_iol has no data port 'Ethernet0/0'"
	[ -z "$(names)" ]
}

@test "lab: a link's ipv4 and ipv6 lists are its ends' addresses" {
	cat >"$SCR/addr.yml" <<EOF
name: $LAB
topology:
  nodes:
    a:
    b:
  links:
    - endpoints: ["a:eth1", "b:eth1"]
      ipv4: ["10.97.0.1/24", "10.97.0.2/24"]
      ipv6: ["fd97::1/64", ""]
EOF
	run -0 --separate-stderr netns lab up "$SCR/addr.yml"
	[ "$(netns exec "$LAB-a" ip -o -4 addr show eth1 | awk '{print $4}')" = 10.97.0.1/24 ]
	[ "$(netns exec "$LAB-a" ip -o -6 addr show eth1 scope global | awk '{print $4}')" = fd97::1/64 ]
	[ "$(netns exec "$LAB-b" ip -o -4 addr show eth1 | awk '{print $4}')" = 10.97.0.2/24 ]
	[ -z "$(netns exec "$LAB-b" ip -o -6 addr show eth1 scope global)" ]
	netns exec "$LAB-a" ping -c1 -W2 10.97.0.2 >/dev/null
}

@test "lab: containerlab's host, mgmt-net, macvlan, vxlan and dummy links are refused naming the type" {
	for ep in host:a-eth1 mgmt-net:a-eth1 macvlan:lo; do
		printf 'name: %s\ntopology:\n  nodes:\n    a:\n  links:\n    - endpoints: ["a:eth1", "%s"]\n' \
			"$LAB" "$ep" >"$SCR/short.yml"
		run --separate-stderr netns lab up "$SCR/short.yml"
		assert_one_error 1 "netns: lab: $SCR/short.yml:6:29: link type ${ep%%:*} is not supported yet (endpoint '$ep')"
		[ -z "$(names)" ]
	done
	for type in host vxlan dummy; do
		printf 'name: %s\ntopology:\n  nodes:\n    a:\n  links:\n    - type: %s\n      endpoint: { node: a, interface: eth1 }\n' \
			"$LAB" "$type" >"$SCR/long.yml"
		run --separate-stderr netns lab up "$SCR/long.yml"
		assert_one_error 1 "netns: lab: $SCR/long.yml:6:13: link type $type is not supported yet"
		[ -z "$(names)" ]
	done
}
