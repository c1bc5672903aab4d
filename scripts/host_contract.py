"""The host contract (configs/host_contract.yaml): load and check it, and write it out as a
SystemVerilog package, a C++ header and the Markdown tables of rtl/top_latency.md.

Used by scripts/gen_tables.py; nothing here is run on its own.
"""
import re

from yaml_input import fail, load_mapping

# Top-level keys: (kind, required).
SECTIONS = {
    "opcode_bits": int, "opcodes": list, "reg_addr_bits": int, "registers": list, "fields": dict,
    "policy_bits": int, "policies": list, "event_kind_bits": int, "events": list,
    "counter_sel_bits": int, "counters": list, "queues": list, "cmd_addr_bits": int, "token_bits": int,
    "layer_bits": int, "head_bits": int,
}
# Widths that are not small code widths: a token index, and the command address that carries one.
INT_RANGE = {"cmd_addr_bits": (32, 64), "token_bits": (16, 32), "layer_bits": (1, 16), "head_bits": (1, 16)}
# The fields that carry a token index or count: each is token_bits wide.
TOKEN_FIELDS = {("layer", "budget"), ("run", "step"), ("importance_addr", "token")}
# The field that carries a head count (head_bits wide, as the register it is written to), and the
# fields that carry a layer or a KV-head index (at least layer_bits or head_bits wide).
HEAD_FIELDS = {("layer", "heads_keep")}
LAYER_FIELDS = {("run", "layer"), ("importance_addr", "scope")}
HEAD_INDEX_FIELDS = {("importance_addr", "list")}
ADDR_FIELDS = {"importance_addr"}  # field groups of cmd_addr_i; the others are of cmd_data_i
GOLDEN_PATH = re.compile(r"[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)*")
NAME = re.compile(r"[a-z][a-z0-9_]*")


def camel(key):
    return "".join(p.capitalize() for p in key.split("_"))


def _entries(path, doc, section, code_key, bits):
    """A list of {name, code_key, doc?} with unique names and codes that fit `bits`."""
    seen_names, seen_codes = set(), set()
    out = []
    for i, e in enumerate(doc[section]):
        where = f"{section}[{i}]"
        if not isinstance(e, dict) or "name" not in e:
            fail(path, where, "must be a mapping with a name")
        name = e["name"]
        if not isinstance(name, str) or not NAME.fullmatch(name):
            fail(path, where + ".name", f"{name!r} is not a snake_case name")
        if name in seen_names:
            fail(path, where + ".name", f"'{name}' appears twice")
        seen_names.add(name)
        if code_key is not None:
            code = e.get(code_key)
            if not isinstance(code, int) or isinstance(code, bool) or not 0 <= code < (1 << bits):
                fail(path, f"{where}.{code_key}", f"{code!r} is not an integer in [0, {1 << bits})")
            if code in seen_codes:
                fail(path, f"{where}.{code_key}", f"{code} is used twice")
            seen_codes.add(code)
        out.append(e)
    return out


def load(path):
    doc = load_mapping(path, SECTIONS)
    for key, kind in SECTIONS.items():
        if key not in doc:
            fail(path, key, "missing")
        if not isinstance(doc[key], kind) or isinstance(doc[key], bool):
            fail(path, key, f"must be a {kind.__name__}")
        lo, hi = INT_RANGE.get(key, (1, 16))
        if kind is int and not lo <= doc[key] <= hi:
            fail(path, key, f"{doc[key]} is out of range [{lo}, {hi}]")
    c = dict(doc)
    c["opcodes"] = _entries(path, doc, "opcodes", "code", doc["opcode_bits"])
    c["registers"] = _entries(path, doc, "registers", "addr", doc["reg_addr_bits"])
    c["policies"] = _entries(path, doc, "policies", "code", doc["policy_bits"])
    c["events"] = _entries(path, doc, "events", "kind", doc["event_kind_bits"])
    c["counters"] = _entries(path, doc, "counters", None, 0)
    if len(c["counters"]) > (1 << doc["counter_sel_bits"]):
        fail(path, "counters", f"{len(c['counters'])} counters do not fit counter_sel_bits {doc['counter_sel_bits']}")
    for i, e in enumerate(c["counters"]):
        g = e.get("golden")
        if g is not None and (not isinstance(g, str) or not GOLDEN_PATH.fullmatch(g)):
            fail(path, f"counters[{i}].golden", f"{g!r} is not a member path such as topk.passes")
    c["queues"] = _entries(path, doc, "queues", None, 0)
    for i, e in enumerate(c["queues"]):
        d = e.get("depth")
        if not isinstance(d, int) or isinstance(d, bool) or not 1 <= d <= 4096:
            fail(path, f"queues[{i}].depth", f"{d!r} is not an integer in [1, 4096]")
        if e.get("power_of_two") and d & (d - 1):
            fail(path, f"queues[{i}].depth", f"{d} is not a power of two")
    for group, fields in doc["fields"].items():
        if not isinstance(fields, list):
            fail(path, f"fields.{group}", "must be a list")
        for i, f in enumerate(_entries(path, doc["fields"], group, None, 0)):
            for k in ("lsb", "width"):
                v = f.get(k)
                if not isinstance(v, int) or isinstance(v, bool) or not 0 <= v < 64:
                    fail(path, f"fields.{group}[{i}].{k}", f"{v!r} is not an integer in [0, 64)")
            if (group, f["name"]) in TOKEN_FIELDS and f["width"] != doc["token_bits"]:
                fail(path, f"fields.{group}[{i}].width", f"{f['width']}: a token field is token_bits ({doc['token_bits']}) wide")
            if (group, f["name"]) in HEAD_FIELDS and f["width"] != doc["head_bits"]:
                fail(path, f"fields.{group}[{i}].width", f"{f['width']}: a head field is head_bits ({doc['head_bits']}) wide")
            if (group, f["name"]) in LAYER_FIELDS and f["width"] < doc["layer_bits"]:
                fail(path, f"fields.{group}[{i}].width", f"{f['width']}: a layer field is at least layer_bits ({doc['layer_bits']}) wide")
            if (group, f["name"]) in HEAD_INDEX_FIELDS and f["width"] < doc["head_bits"]:
                fail(path, f"fields.{group}[{i}].width", f"{f['width']}: a head field is at least head_bits ({doc['head_bits']}) wide")
            bits = doc["cmd_addr_bits"] if group in ADDR_FIELDS else 64
            if f["lsb"] + f["width"] > bits:
                fail(path, f"fields.{group}[{i}]", f"does not fit {bits} {'address' if group in ADDR_FIELDS else 'data'} bits")
    return c


# ------------------------------------------------------------------------------------------------
def sv_package(c, src):
    L = [f"// Generated by scripts/gen_tables.py from {src}. Do not edit.",
         "// The host contract of sinkattn_top: use qualified (sinkattn_host_pkg::OpRun); Yosys 0.23",
         "// does not take `import sinkattn_host_pkg::*`.",
         "/* verilator lint_off UNUSEDPARAM */",
         "package sinkattn_host_pkg;",
         "",
         "  // Command opcodes (cmd_op_i)",
         f"  localparam int OpcodeBits = {c['opcode_bits']};"]
    for e in c["opcodes"]:
        L.append(f"  localparam logic [OpcodeBits-1:0] Op{camel(e['name'])} = {c['opcode_bits']}'d{e['code']};")
    L += ["", "  // Command address width (cmd_addr_i)", f"  localparam int CmdAddrBits = {c['cmd_addr_bits']};"]
    L += ["", "  // Token indices and counts the host sees (command fields, row_step_o, ev_step_o, ev_tokens_o)",
          f"  localparam int TokenBits = {c['token_bits']};"]
    L += ["", "  // Layer and head indices and counts (the layers and head registers, heads_keep, the row and",
          "  // event ports' layer, head and group)",
          f"  localparam int LayerBits = {c['layer_bits']};", f"  localparam int HeadBits = {c['head_bits']};"]
    L += ["", "  // Registers written by OpReg (cmd_addr_i)", f"  localparam int RegAddrBits = {c['reg_addr_bits']};"]
    for e in c["registers"]:
        L.append(f"  localparam logic [RegAddrBits-1:0] Reg{camel(e['name'])} = {c['reg_addr_bits']}'d{e['addr']};")
    L += ["", "  // Fields of command data: least significant bit and width"]
    for group, fields in c["fields"].items():
        for f in fields:
            n = camel(group) + camel(f["name"])
            L.append(f"  localparam int {n}Lsb = {f['lsb']};")
            L.append(f"  localparam int {n}Width = {f['width']};")
    L += ["", "  // Head policies of OpPolicy, PolicyBits per KV head", f"  localparam int PolicyBits = {c['policy_bits']};"]
    for e in c["policies"]:
        L.append(f"  localparam logic [PolicyBits-1:0] Policy{camel(e['name'])} = {c['policy_bits']}'d{e['code']};")
    L += ["", "  // Event kinds (ev_kind_o)", f"  localparam int EventKindBits = {c['event_kind_bits']};"]
    for e in c["events"]:
        L.append(f"  localparam logic [EventKindBits-1:0] Ev{camel(e['name'])} = {c['event_kind_bits']}'d{e['kind']};")
    L += ["", "  // Performance counters (ctr_sel_i)", f"  localparam int CounterSelBits = {c['counter_sel_bits']};",
          f"  localparam int NumCtr = {len(c['counters'])};"]
    for i, e in enumerate(c["counters"]):
        L.append(f"  localparam int Ctr{camel(e['name'])} = {i};")
    L += ["", "  // Queue depths inside the top that set its cycle timing (the SystemC model's too)"]
    for e in c["queues"]:
        L.append(f"  localparam int Queue{camel(e['name'])} = {e['depth']};  // {e.get('doc', '')}")
    L += ["", "endpackage", "/* verilator lint_on UNUSEDPARAM */", ""]
    return "\n".join(L)


def cpp_header(c, src):
    L = [f"// Generated by scripts/gen_tables.py from {src}. Do not edit.",
         "// The host contract of the accelerator top: command encoding, register map, event kinds and",
         "// the performance counters, with the golden model's Counters member each one must equal.",
         "#pragma once",
         "",
         "#include <array>",
         "#include <cstdint>",
         "",
         "#include \"sinkattn/golden.hpp\"",
         "",
         "namespace sinkattn::host {",
         "",
         "// Command opcodes (cmd_op_i).",
         f"inline constexpr int kOpcodeBits = {c['opcode_bits']};",
         "enum Opcode : int {"]
    L += [f"  kOp{camel(e['name'])} = {e['code']},  // {e.get('doc', '')}" for e in c["opcodes"]]
    L += ["};", "", "// Command address width (cmd_addr_i).", f"inline constexpr int kCmdAddrBits = {c['cmd_addr_bits']};"]
    L += ["", "// Token indices and counts the host sees (command fields, row_step_o, ev_step_o, ev_tokens_o).",
          f"inline constexpr int kTokenBits = {c['token_bits']};"]
    L += ["", "// Layer and head indices and counts (the layers and head registers, heads_keep, the row and",
          "// event ports' layer, head and group).",
          f"inline constexpr int kLayerBits = {c['layer_bits']};", f"inline constexpr int kHeadBits = {c['head_bits']};"]
    L += ["", "// Registers written by kOpReg (cmd_addr_i).", f"inline constexpr int kRegAddrBits = {c['reg_addr_bits']};",
          "enum Register : int {"]
    L += [f"  kReg{camel(e['name'])} = {e['addr']},  // {e.get('doc', '')}" for e in c["registers"]]
    L += ["};", "",
          "// A field of command data.",
          "struct Field {",
          "  int lsb, width;",
          "  constexpr std::uint64_t put(std::uint64_t v) const {",
          "    return (v & ((width >= 64 ? ~0ull : (1ull << width) - 1))) << lsb;",
          "  }",
          "  constexpr std::uint64_t get(std::uint64_t data) const {",
          "    return (data >> lsb) & (width >= 64 ? ~0ull : (1ull << width) - 1);",
          "  }",
          "};"]
    for group, fields in c["fields"].items():
        for f in fields:
            L.append(f"inline constexpr Field k{camel(group)}{camel(f['name'])}{{{f['lsb']}, {f['width']}}};")
    L += ["", "// Head policies of kOpPolicy, kPolicyBits per KV head.", f"inline constexpr int kPolicyBits = {c['policy_bits']};",
          "enum PolicyCode : int {"]
    L += [f"  kPolicy{camel(e['name'])} = {e['code']}," for e in c["policies"]]
    L += ["};", "", "// Event kinds (ev_kind_o).", f"inline constexpr int kEventKindBits = {c['event_kind_bits']};",
          "enum EventKind : int {"]
    L += [f"  kEv{camel(e['name'])} = {e['kind']},  // {e.get('doc', '')}" for e in c["events"]]
    L += ["};", "", "// Performance counters (ctr_sel_i), in index order.",
          f"inline constexpr int kCounterSelBits = {c['counter_sel_bits']};",
          f"inline constexpr int kNumCounters = {len(c['counters'])};",
          "enum CounterIndex : int {"]
    L += [f"  kCtr{camel(e['name'])} = {i}," for i, e in enumerate(c["counters"])]
    L += ["};", "",
          "// One counter: its name (the key of every report), its index and, if the golden model counts",
          "// the same, how to read and write that member of Counters (nullptr: hardware only).",
          "struct CounterInfo {",
          "  const char* name;",
          "  CounterIndex index;",
          "  std::uint64_t (*golden_get)(const Counters&);",
          "  void (*golden_set)(Counters&, std::uint64_t);",
          "};",
          "",
          "inline constexpr std::array<CounterInfo, kNumCounters> kCounters = {{"]
    for i, e in enumerate(c["counters"]):
        g = e.get("golden")
        if g is None:
            L.append(f"    {{\"{e['name']}\", kCtr{camel(e['name'])}, nullptr, nullptr}},")
        else:
            L.append(f"    {{\"{e['name']}\", kCtr{camel(e['name'])},")
            L.append(f"     [](const Counters& c) {{ return static_cast<std::uint64_t>(c.{g}); }},")
            L.append(f"     [](Counters& c, std::uint64_t v) {{ c.{g} = static_cast<decltype(c.{g})>(v); }}}},")
    L += ["}};", "", "// Queue depths inside the top that set its cycle timing (rtl/sinkattn_top.sv and the SystemC",
          "// model both take them from here)."]
    L += [f"inline constexpr int kQueue{camel(e['name'])} = {e['depth']};  // {e.get('doc', '')}" for e in c["queues"]]
    L += ["", "}  // namespace sinkattn::host", ""]
    return "\n".join(L)


# ------------------------------------------------------------------------------------------------
# Markdown: the sections between "<!-- generated: NAME -->" and "<!-- end generated: NAME -->".
def doc_sections(c, src):
    note = f"<!-- Written by scripts/gen_tables.py from {src}; edit the YAML, then run `scripts/gen_tables.py --docs`. -->"
    cmds = [note, "", "| opcode | code | operands |", "|---|---|---|"]
    cmds += [f"| `Op{camel(e['name'])}` | {e['code']} | {e.get('doc', '')} |" for e in c["opcodes"]]
    cmds += ["", "| register (`OpReg` address) | addr | value |", "|---|---|---|"]
    cmds += [f"| `Reg{camel(e['name'])}` | {e['addr']} | {e.get('doc', '')} |" for e in c["registers"]]
    cmds += ["", "| field | bits |", "|---|---|"]
    for group, fields in c["fields"].items():
        port = "cmd_addr_i" if group.endswith("_addr") else "cmd_data_i"
        for f in fields:
            hi = f["lsb"] + f["width"] - 1
            cmds.append(f"| {group} `{f['name']}` | `{port}`[{hi}:{f['lsb']}] |")
    pol = ", ".join(f"{e['code']} {e['name']}" for e in c["policies"])
    cmds += ["", f"`OpPolicy`: {c['policy_bits']} bits per KV head, KV head `g` at bits "
                 f"`[{c['policy_bits']}g +: {c['policy_bits']}]`: {pol}."]
    evs = [note, "", "| kind | name | phase |", "|---|---|---|"]
    evs += [f"| {e['kind']} | `{e['name']}` | {e.get('doc', '')} |" for e in c["events"]]
    ctrs = [note, "", "| index | name | counts | golden `Counters` member |", "|---|---|---|---|"]
    for i, e in enumerate(c["counters"]):
        g = f"`{e['golden']}`" if e.get("golden") else "(hardware only)"
        ctrs.append(f"| {i} | `{e['name']}` | {e.get('doc', '')} | {g} |")
    qs = [note, "", "| queue | depth | holds |", "|---|---|---|"]
    qs += [f"| `Queue{camel(e['name'])}` | {e['depth']} | {e.get('doc', '')} |" for e in c["queues"]]
    return {"commands": "\n".join(cmds), "events": "\n".join(evs), "counters": "\n".join(ctrs),
            "queues": "\n".join(qs)}


def update_doc(text, sections, doc_path):
    """`text` with every generated section replaced; fails if a marker is missing."""
    for name, body in sections.items():
        begin, end = f"<!-- generated: {name} -->", f"<!-- end generated: {name} -->"
        m = re.search(re.escape(begin) + r"\n.*?" + re.escape(end), text, flags=re.S)
        if not m:
            fail(doc_path, name, f"no '{begin}' ... '{end}' section")
        text = text[:m.start()] + begin + "\n" + body + "\n" + end + text[m.end():]
    return text
