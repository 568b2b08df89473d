# compare-json.jq — `bootsmith boot list -v --json` (schema bootsmith.boot-list/1)
# against what efibootmgr 17 printed for the same efivars directory.
#
# Input (.): bootsmith's JSON document. Arguments (listing.sh passes them):
#   $plain    raw text of `efibootmgr` (no -v) on the directory: header lines
#             (BootNext / BootCurrent / Timeout / BootOrder) and the listed names
#   $entries  TSV, one line per entry efibootmgr lists:
#             NAME <TAB> CLEAN(1|0) <TAB> FILE_HEX <TAB> -v LINE (only when CLEAN)
#             FILE_HEX = the whole efivarfs file (4 attribute bytes + data)
#             CLEAN = efibootmgr -v renders the entry (alone) without failing
#   $globals  names of every variable file in the global GUID, one per line
#   $must     comma-separated names bootsmith must report corrupt (allow-list)
#   $may      comma-separated names bootsmith may report corrupt (allow-list)
#   $ignore   comma-separated header fields not compared (allow-list ignore=): boot_current,
#             boot_next, timeout, boot_order (then BootOrder-derived checks use bootsmith's own)
# Output: one line per problem; nothing = pass.

include "efi";
def q: tojson;

. as $doc0
| ($plain | split("\n")) as $pl
| def header($p): ($pl | map(select(startswith($p))) | .[0]);
  (header("BootCurrent: ") | if . then .[13:] else null end) as $cur
| (header("BootNext: ") | if . then .[10:] else null end) as $next
| (header("Timeout: ") | if . then (.[9:] | rtrimstr(" seconds") | tonumber) else null end) as $timeout
| ($ignore | split(",")) as $ign
| (if $ign | index(["boot_order"]) then $doc0.boot_order
   # "BootOrder: …" → the list; "No BootOrder is set…" → absent (null); no line at all while the
   # variable exists → it is empty (efibootmgr 17 prints nothing for a 0-byte BootOrder) → []
   else header("BootOrder: ") | if . then (.[11:] | split(","))
        elif ($globals | split("\n") | index(["BootOrder"])) then [] else null end end) as $order
| ($entries | split("\n") | map(select(length > 0) | split("\t")
    | {name: .[0], clean: (.[1] == "1"), hex: .[2], line: (if length > 3 then .[3:] | join("\t") else null end)})) as $exp
| ($globals | split("\n") | map(select(length > 0))) as $glob
| ($must | split(",") | map(select(length > 0))) as $must
| ($may | split(",") | map(select(length > 0))) as $may
| . as $doc
| [
    # --- document shape -------------------------------------------------------
    (if $doc.schema != "bootsmith.boot-list/1" then "schema: \($doc.schema | q), want \"bootsmith.boot-list/1\"" else empty end),
    (if ($doc.entries | type) != "array" then "entries: not an array" else empty end),
    (if ($doc.problems | type) != "array" then "problems: not an array" else empty end),
    # --- header facts -----------------------------------------------------------
    (if ($ign | index(["boot_current"]) | not) and $doc.boot_current != $cur then "boot_current: json \($doc.boot_current | q), efibootmgr \($cur | q)" else empty end),
    (if ($ign | index(["boot_next"]) | not) and $doc.boot_next != $next then "boot_next: json \($doc.boot_next | q), efibootmgr \($next | q)" else empty end),
    (if ($ign | index(["timeout"]) | not) and $doc.timeout != $timeout then "timeout: json \($doc.timeout | q), efibootmgr \($timeout | q)" else empty end),
    (if ($ign | index(["boot_order"]) | not) and $doc.boot_order != $order then "boot_order: json \($doc.boot_order | q), efibootmgr \($order | q)" else empty end)
  ]
  + (if ($doc.entries | type) != "array" then [] else
    ($doc.entries) as $ent
    | ($ent | map(.name)) as $names
    | [
        # --- which entries ------------------------------------------------------
        ($exp[] | .name as $n | select($names | index($n) | not) | "\($n): listed by efibootmgr, missing from json entries"),
        ($names | group_by(.) | map(select(length > 1))[] | "\(.[0]): listed \(length) times in json"),
        ($ent[] | .name as $n | select($glob | index($n) | not)
          | "\($n): in json entries but there is no \($n)-8be4df61-… variable (only the global GUID holds boot options)"),
        # --- order: BootOrder's entries first (compliant names), then the rest by name
        ( ($ent | map(select(.compliant == true))) as $c
          | ($order // [] | reduce .[] as $o ([]; if index([$o]) then . else . + [$o] end)) as $uorder
          | ([$uorder[] as $o | $c[] | select(.number == $o) | .name]) as $want_first
          | ($c | map(.name) | map(select(. as $x | $want_first | index($x) | not)) | sort) as $want_rest
          | ($c | map(.name)) as $got
          | if $got != ($want_first + $want_rest) then
              "entry order (compliant names): json \($got | join(",")), want \(($want_first + $want_rest) | join(",")) (BootOrder first, then by name)"
            else empty end)
      ]
      + [ $exp[] as $e
          | ($ent | map(select(.name == $e.name)) | .[0]) as $j
          | select($j != null)
          | $e.name as $n
          | (($e.hex | length) / 2) as $fsize
          | [
              # facts any entry has, corrupt or not: the variable itself
              (if $j.variable.size != ($fsize - 4) then "\($n): variable.size \($j.variable.size | q), file holds \($fsize - 4) data bytes" else empty end),
              (if $j.variable.attributes != ($e.hex[0:8] | le(4)) then "\($n): variable.attributes \($j.variable.attributes | q), file says \($e.hex[0:8] | le(4))" else empty end),
              (if $j.compliant != ($n | test("^Boot[0-9A-F]{4}$")) then "\($n): compliant \($j.compliant | q)" else empty end),
              (if ($j.compliant == true) and $j.number != $n[4:8] then "\($n): number \($j.number | q), want \($n[4:8] | q)" else empty end),
              (if ($j.compliant == true) and $j.in_boot_order != (($order // []) | index([$n[4:8]]) != null) then "\($n): in_boot_order \($j.in_boot_order | q)" else empty end),
              # corrupt or not
              (if ($must | index([$n])) then
                 (if $j.corrupt == null then "\($n): must be reported corrupt (allow-list), json has corrupt: null" else empty end)
               elif ($may | index([$n])) then empty
               elif $j.corrupt != null then "\($n): reported corrupt (\($j.corrupt | q)) but efibootmgr renders it and the allow-list does not name it"
               else empty end),
              (if ($e.clean | not) and ($must + $may | index([$n]) | not) then
                 "\($n): efibootmgr -v cannot render this entry; name it in allow-list.tsv (json corrupt=/maybe-corrupt=)" else empty end),
              # everything else only for entries both sides can read
              (select($e.clean and $j.corrupt == null) |
                ([$e.line | capture("^(?<nm>[^* ]+)(?<mark>[* ]) (?<desc>[^\t]*)\t(?<after>.*)$")] | .[0]) as $p
                | if $p == null then "\($n): cannot parse efibootmgr line \($e.line | q)" else
                  (if $j.attributes.active != ($p.mark == "*") then "\($n): attributes.active \($j.attributes.active | q), efibootmgr shows \($p.mark | q)" else empty end),
                  (if ($j.attributes.raw | type) == "number" and ((($j.attributes.raw % 2) == 1) != $j.attributes.active) then "\($n): attributes.raw \($j.attributes.raw) disagrees with active" else empty end),
                  (if ($j.attributes.raw | type) == "number" and $j.attributes.raw != ($e.hex[8:16] | le(4)) then "\($n): attributes.raw \($j.attributes.raw), load option says \($e.hex[8:16] | le(4))" else empty end),
                  (($e.hex[8:16] | le(4)) as $raw
                   | if $j.attributes.hidden != (($raw / 8 | floor) % 2 == 1) then "\($n): attributes.hidden \($j.attributes.hidden | q), load option attributes \($raw)"
                     elif $j.attributes.force_reconnect != (($raw / 2 | floor) % 2 == 1) then "\($n): attributes.force_reconnect \($j.attributes.force_reconnect | q), load option attributes \($raw)"
                     else empty end),
                  (if $j.description != $p.desc then "\($n): description json \($j.description | q), efibootmgr \($p.desc | q)" else empty end),
                  # efibootmgr prints the path text immediately followed by the rendered optional data
                  ((($j.device_path.text // "") + (($j.optional_data.hex // "") | render)) as $mine
                   | if $mine == $p.after then empty
                     elif ($p.after | startswith($j.device_path.text // "")) | not then
                       "\($n): device_path.text json \($j.device_path.text | q), efibootmgr \($p.after | q)"
                     else
                       "\($n): optional data: efibootmgr renders \($p.after[($j.device_path.text | length):] | q), json optional_data.hex renders \((($j.optional_data.hex // "") | render) | q)"
                     end),
                  (if ($j.optional_data.size != (($j.optional_data.hex // "") | length / 2)) then "\($n): optional_data.size \($j.optional_data.size | q) vs hex of \(($j.optional_data.hex // "") | length / 2) bytes" else empty end),
                  (if ($j.optional_data.encoding | IN(null, "ucs2", "ascii")) | not then "\($n): optional_data.encoding \($j.optional_data.encoding | q)" else empty end),
                  (if ($j.optional_data.encoding == null) != ($j.optional_data.text == null) then "\($n): optional_data.text and .encoding must be null together" else empty end),
                  # the raw bytes: the file ends with device path + optional data
                  (if ($e.hex | ascii_downcase | endswith((($j.device_path.hex // "") + ($j.optional_data.hex // "")) | ascii_downcase)) | not
                     then "\($n): device_path.hex + optional_data.hex is not the tail of the variable's bytes" else empty end),
                  (if ((($j.device_path.hex // "") | length) / 2) != ($e.hex[16:20] | le(2)) then
                     "\($n): device_path.hex has \((($j.device_path.hex // "") | length) / 2) bytes, FilePathListLength says \($e.hex[16:20] | le(2))" else empty end),
                  # HD() and File() as structured fields
                  (([($j.device_path.text // "") | capture("(^|/)HD\\((?<part>[0-9]+),(?<fmt>GPT|MBR),(?<sig>[^,]*),(?<start>0x[0-9a-f]+),(?<size>0x[0-9a-f]+)\\)")] | .[0]) as $hd
                   | if $hd == null then
                       (if $j.device_path.hard_drive != null then "\($n): device_path.hard_drive should be null (no HD() node)" else empty end)
                     else
                       ($j.device_path.hard_drive) as $h
                       | if $h == null then "\($n): device_path.hard_drive is null, efibootmgr shows HD(\($hd.part),\($hd.fmt),…)" else
                         (if $h.partition != ($hd.part | tonumber) then "\($n): hard_drive.partition \($h.partition | q), want \($hd.part)" else empty end),
                         (if $h.format != $hd.fmt then "\($n): hard_drive.format \($h.format | q), want \($hd.fmt | q)" else empty end),
                         (if $h.start != ($hd.start | hexnum) then "\($n): hard_drive.start \($h.start | q), want \($hd.start | hexnum)" else empty end),
                         (if $h.size != ($hd.size | hexnum) then "\($n): hard_drive.size \($h.size | q), want \($hd.size | hexnum)" else empty end),
                         (if $hd.fmt == "GPT" then
                            (if (($h.signature // "") | ascii_downcase) != ($hd.sig | ascii_downcase) then "\($n): hard_drive.signature \($h.signature | q), want \($hd.sig | q)" else empty end)
                          else
                            (if (($h.signature | type) == "number" and $h.signature != ($hd.sig | hexnum))
                                or (($h.signature | type) == "string" and ($h.signature | hexnum) != ($hd.sig | hexnum))
                                or (($h.signature | type) | IN("number", "string") | not)
                             then "\($n): hard_drive.signature \($h.signature | q), want \($hd.sig)" else empty end)
                          end)
                       end
                     end),
                  # File(): the path as the bytes hold it (libefivar 37 drops the last character
                  # of a File node without NUL from its text; the structured field must not)
                  ((($j.device_path.hex // "") | file_path) as $f
                   | if $j.device_path.file != $f then "\($n): device_path.file \($j.device_path.file | q), the File() node holds \($f | q)"
                     else empty end)
                  end)
            ]
          | .[]
        ]
    end)
| .[]
