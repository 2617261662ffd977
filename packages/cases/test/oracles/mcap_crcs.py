"""Independent check of an MCAP file's framing and CRCs with Python's zlib (tests run it).

Reads the footer (summary start, summary offset start, summary CRC) and the DataEnd record just before the
summary, then recomputes the data section CRC (file start up to DataEnd) and the summary CRC (summary start
through the footer's summary-offset-start field) with zlib.crc32, the CRC-32 the MCAP specification names.
Prints {data_crc_ok, summary_crc_ok, top_level_opcodes}.
"""
import json
import struct
import sys
import zlib

b = open(sys.argv[1], "rb").read()
MAGIC = b"\x89MCAP0\r\n"
assert b[:8] == MAGIC and b[-8:] == MAGIC, "bad magic"
footer = len(b) - 8 - (1 + 8 + 20)
op, length, summary_start, summary_offset_start, summary_crc = struct.unpack_from("<BQQQI", b, footer)
assert op == 0x02 and length == 20, "no footer"
data_end = summary_start - (1 + 8 + 4)
op, length, data_crc = struct.unpack_from("<BQI", b, data_end)
assert op == 0x0F, "no DataEnd before the summary"
ops = []
pos = 8
while pos < data_end:
    o, n = struct.unpack_from("<BQ", b, pos)
    ops.append(o)
    pos += 9 + n
print(
    json.dumps(
        {
            "data_crc_ok": zlib.crc32(b[:data_end]) == data_crc,
            "summary_crc_ok": zlib.crc32(b[summary_start : footer + 1 + 8 + 8 + 8]) == summary_crc,
            "framing_ends_at_data_end": pos == data_end,
            "top_level_opcodes": sorted(set(ops)),
        }
    )
)
