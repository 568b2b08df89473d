# efi.jq — byte helpers shared by compare-json.jq and fake-bootsmith.sh (jq -L <this dir>).
# Hex strings are lowercase or uppercase pairs, little-endian where the format says so.
def hexval: if . >= 97 then . - 87 elif . >= 65 then . - 55 else . - 48 end;
def hexbyte: explode | (.[0] | hexval) * 16 + (.[1] | hexval);
def bytes: [range(0; length - 1; 2) as $i | .[$i:$i + 2] | hexbyte];
# little-endian unsigned integer from the first $n bytes of a hex string
def le($n): bytes | .[0:$n] | reverse | reduce .[] as $b (0; . * 256 + $b);
def hexnum: ascii_downcase | ltrimstr("0x") | explode | reduce .[] as $c (0; . * 16 + ($c | hexval));
# efibootmgr 17 -v renders optional data byte by byte: 0x20..0x7f as is, anything else '.'
def render: bytes | map(if . >= 32 and . <= 127 then [.] | implode else "." end) | join("");
# device-path nodes of a hex string: [{type, subtype, body (hex)}], stops at a bad length
def dpnodes:
  . as $h
  | def walk_from($i):
      if $i + 8 > ($h | length) then []
      else ($h[$i + 4:$i + 8] | le(2)) as $len
        | if $len < 4 or $i + $len * 2 > ($h | length) then []
          else [{type: ($h[$i:$i + 2] | hexbyte), subtype: ($h[$i + 2:$i + 4] | hexbyte), body: $h[$i + 8:$i + $len * 2]}]
               + walk_from($i + $len * 2)
          end
      end;
    walk_from(0);
# UCS-2LE hex → string, up to the first NUL or the end
def ucs2:
  [range(0; length - 3; 4) as $i | .[$i:$i + 4] | le(2)]
  | (index([0]) // length) as $z | .[0:$z] | implode;
# the path of the first File() node (type 4, subtype 4) in a device path, or null
def file_path: [dpnodes[] | select(.type == 4 and .subtype == 4) | .body | ucs2] | .[0];
