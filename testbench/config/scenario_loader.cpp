// Scenario loading: YAML events -> a small tree with positions -> --set
// overrides merged into the tree -> the tree applied to the scenario through
// the param bindings, each value validated where it is stored.
//
// The tree is built from yaml-cpp's event parser rather than YAML::Node so
// that duplicate keys are seen, every key and value keeps its line and
// column, aliases are copied under a size budget (no "billion laughs") and
// nesting is bounded (no deep recursion anywhere after the parser, whose own
// depth yaml-cpp caps).
#include "testbench/config/scenario_loader.h"

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <utility>

#include <fmt/format.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>

namespace ddisim::config {

namespace {

std::string format_what(const std::string& file, int line, int column, const std::string& key_path,
                        const std::string& message, const std::string& set_argument) {
    std::string where;
    if (!set_argument.empty() || file == "--set")
        where = fmt::format("--set '{}'", set_argument);
    else if (line > 0)
        where = fmt::format("{}:{}:{}", file, line, column);
    else
        where = file;
    if (key_path.empty()) return fmt::format("{}: {}", where, message);
    return fmt::format("{}: {}: {}", where, key_path, message);
}

} // namespace

scenario_error::scenario_error(std::string file_, int line_, int column_, std::string key_path_, std::string message_,
                               std::string set_argument_)
    : std::runtime_error(format_what(file_, line_, column_, key_path_, message_, set_argument_)),
      file(std::move(file_)), line(line_), column(column_), key_path(std::move(key_path_)),
      message(std::move(message_)), set_argument(std::move(set_argument_)) {}

namespace {

constexpr std::size_t max_depth = 64;          // scenarios need fewer than 10 levels
constexpr std::size_t max_nodes = 200000;      // including alias copies

struct ynode {
    enum kind_t { null, scalar, map, seq } kind = null;
    std::string value;       // scalar text
    int line = 0, column = 0; // 1-based position of the value
    int set_index = -1;      // >= 0: came from that --set argument
    // As a map entry: the key and its position.
    std::string key;
    int key_line = 0, key_column = 0;
    std::vector<ynode> children; // map entries or sequence elements
};

const char* describe_kind(const ynode& n) {
    switch (n.kind) {
    case ynode::null: return "nothing";
    case ynode::scalar: return "a value";
    case ynode::map: return "a mapping";
    case ynode::seq: return "a list";
    }
    return "?";
}

std::string got(const ynode& n) {
    if (n.kind == ynode::scalar) return fmt::format("'{}'", n.value);
    return describe_kind(n);
}

std::size_t count_nodes(const ynode& n) {
    std::size_t c = 1;
    for (const auto& ch : n.children) c += count_nodes(ch);
    return c;
}

// Where errors point: a file, or a --set argument.
struct source {
    std::string file;
    std::vector<std::string> sets;

    [[noreturn]] void fail_at(int set_index, int line, int column, const std::string& path,
                              const std::string& msg) const {
        if (set_index >= 0) throw scenario_error("--set", 0, 0, path, msg, sets.at(std::size_t(set_index)));
        throw scenario_error(file, line, column, path, msg);
    }
    [[noreturn]] void fail_value(const ynode& n, const std::string& path, const std::string& msg) const {
        // An empty value has no position of its own (yaml-cpp gives the next
        // token's): point at its key.
        if (n.kind == ynode::null && n.key_line) fail_at(n.set_index, n.key_line, n.key_column, path, msg);
        fail_at(n.set_index, n.line, n.column, path, msg);
    }
    // A map entry's position is its key's; a sequence element's, its value's.
    static std::pair<int, int> key_position(const ynode& n) {
        return n.key_line ? std::pair{n.key_line, n.key_column} : std::pair{n.line, n.column};
    }
    [[noreturn]] void fail_key(const ynode& n, const std::string& path, const std::string& msg) const {
        const auto [line, column] = key_position(n);
        fail_at(n.set_index, line, column, path, msg);
    }
    // Where a key's node came from, as errors print it.
    std::string where(const ynode& n) const {
        if (n.set_index >= 0) return fmt::format("--set '{}'", sets.at(std::size_t(n.set_index)));
        const auto [line, column] = key_position(n);
        return line > 0 ? fmt::format("{}:{}:{}", file, line, column) : file;
    }
};

// ---------------------------------------------------------------- YAML -> tree

class tree_builder final : public YAML::EventHandler {
public:
    explicit tree_builder(std::string file) : file_(std::move(file)) {}

    // The first structural error, raised only if yaml-cpp finds no syntax
    // error first (it may report "[1" as a flow list used as a key before it
    // sees the list is never closed).
    const std::optional<scenario_error>& deferred() const { return deferred_; }
    ynode take_root() { return std::move(root_); }

    void OnDocumentStart(const YAML::Mark& mark) override {
        if (documents_++ == 0) {
            first_document_ = mark;
            return;
        }
        // A "document" that starts where the previous one did means yaml-cpp
        // made no progress over a token it cannot place.
        if (mark.pos == first_document_.pos) return defer(mark, "YAML syntax error: unexpected token");
        defer(mark, "only one YAML document is allowed in a scenario");
    }
    void OnDocumentEnd() override {}

    void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
        if (deferred_) return;
        ynode n;
        place(n, mark);
        add(std::move(n), anchor, mark);
    }
    void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
        if (deferred_) return;
        auto it = anchors_.find(anchor);
        if (it == anchors_.end())
            return defer(mark, "alias to an anchor that is not complete (an alias cannot refer to itself)");
        nodes_ += it->second.second;
        if (nodes_ > max_nodes) fail(mark, fmt::format("too many nodes (more than {}, counting alias copies)", max_nodes));
        ynode n = it->second.first;
        add(std::move(n), YAML::NullAnchor, mark);
    }
    void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                  const std::string& value) override {
        if (deferred_) return;
        ynode n;
        place(n, mark);
        // A plain "~"/"null" is YAML's null; a quoted one ("!" tag) is text.
        bool plain = tag != "!";
        if (!(plain && (value == "~" || value == "null" || value == "Null" || value == "NULL"))) {
            n.kind = ynode::scalar;
            n.value = value;
        }
        add(std::move(n), anchor, mark);
    }
    void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                         YAML::EmitterStyle::value) override {
        open(ynode::seq, mark, anchor);
    }
    void OnSequenceEnd() override {
        if (!deferred_) close();
    }
    void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                    YAML::EmitterStyle::value) override {
        open(ynode::map, mark, anchor);
    }
    void OnMapEnd() override {
        if (!deferred_) close();
    }

private:
    struct frame {
        ynode node;
        YAML::anchor_t anchor = YAML::NullAnchor;
        YAML::Mark mark;
        bool have_key = false;
        std::string key;
        int key_line = 0, key_column = 0;
    };

    [[noreturn]] void fail(const YAML::Mark& mark, const std::string& msg) const {
        if (mark.is_null()) throw scenario_error(file_, 0, 0, "", msg);
        throw scenario_error(file_, mark.line + 1, mark.column + 1, "", msg);
    }

    void defer(const YAML::Mark& mark, const std::string& msg) {
        if (deferred_) return;
        if (mark.is_null())
            deferred_.emplace(file_, 0, 0, "", msg);
        else
            deferred_.emplace(file_, mark.line + 1, mark.column + 1, "", msg);
    }

    static void place(ynode& n, const YAML::Mark& mark) {
        if (!mark.is_null()) n.line = mark.line + 1, n.column = mark.column + 1;
    }

    void count(const YAML::Mark& mark) {
        if (++nodes_ > max_nodes) fail(mark, fmt::format("too many nodes (more than {})", max_nodes));
    }

    void open(ynode::kind_t kind, const YAML::Mark& mark, YAML::anchor_t anchor) {
        if (deferred_) return;
        // A collection that starts where a map expects a key is a complex key.
        if (!stack_.empty() && stack_.back().node.kind == ynode::map && !stack_.back().have_key)
            return defer(mark, "a key must be a plain name, not a list or mapping");
        count(mark);
        if (stack_.size() >= max_depth) fail(mark, fmt::format("nesting deeper than {} levels", max_depth));
        frame f;
        f.node.kind = kind;
        place(f.node, mark);
        f.anchor = anchor;
        f.mark = mark;
        stack_.push_back(std::move(f));
    }

    void close() {
        frame f = std::move(stack_.back());
        stack_.pop_back();
        if (f.have_key) return defer(f.mark, "a key without a value"); // not produced by yaml-cpp; defensive
        add(std::move(f.node), f.anchor, f.mark);
    }

    void add(ynode n, YAML::anchor_t anchor, const YAML::Mark& mark) {
        if (n.kind == ynode::null || n.kind == ynode::scalar) count(mark);
        if (anchor != YAML::NullAnchor) anchors_[anchor] = {n, count_nodes(n)};
        if (stack_.empty()) {
            root_ = std::move(n);
            return;
        }
        frame& top = stack_.back();
        if (top.node.kind == ynode::seq) {
            top.node.children.push_back(std::move(n));
            return;
        }
        if (!top.have_key) {
            if (n.kind == ynode::null) return defer(mark, "a key must not be empty");
            if (n.kind != ynode::scalar) return defer(mark, "a key must be a plain name, not a list or mapping");
            top.have_key = true;
            top.key = n.value;
            top.key_line = n.line;
            top.key_column = n.column;
            return;
        }
        n.key = std::move(top.key);
        n.key_line = top.key_line;
        n.key_column = top.key_column;
        top.have_key = false;
        top.node.children.push_back(std::move(n));
    }

    std::string file_;
    std::vector<frame> stack_;
    std::map<YAML::anchor_t, std::pair<ynode, std::size_t>> anchors_;
    ynode root_;
    std::optional<scenario_error> deferred_;
    int documents_ = 0;
    YAML::Mark first_document_;
    std::size_t nodes_ = 0;
};

// Parses YAML text into a tree; a syntax error throws scenario_error with
// yaml-cpp's position. An empty document gives a null root.
ynode parse_tree(const std::string& text, const std::string& file) {
    std::istringstream in(text);
    tree_builder b(file);
    try {
        // One document only. The loop stops at the second document rather
        // than draining the stream: on some malformed input (a leading ',')
        // yaml-cpp 0.7 reports an endless run of empty documents.
        YAML::Parser parser(in);
        if (parser.HandleNextDocument(b)) parser.HandleNextDocument(b);
    } catch (const YAML::Exception& e) {
        if (e.mark.is_null()) throw scenario_error(file, 0, 0, "", fmt::format("YAML syntax error: {}", e.msg));
        throw scenario_error(file, e.mark.line + 1, e.mark.column + 1, "",
                             fmt::format("YAML syntax error: {}", e.msg));
    }
    if (b.deferred()) throw *b.deferred();
    return b.take_root();
}

// ---------------------------------------------------------------- tree -> scenario

const char* expected_text(const tlm::param& p) {
    switch (p.kind) {
    case tlm::param_kind::size: return "a size such as 4KiB";
    case tlm::param_kind::time: return "a time such as 10ns";
    case tlm::param_kind::frequency: return "a frequency such as 1.5GHz";
    case tlm::param_kind::bitrate: return "a bit rate such as 12Gb/s";
    case tlm::param_kind::count: return "a whole number";
    case tlm::param_kind::integer: return "an integer";
    case tlm::param_kind::real: return "a number";
    case tlm::param_kind::flag: return "true or false";
    case tlm::param_kind::text: return "text";
    case tlm::param_kind::choice: return "one of the choices";
    case tlm::param_kind::group: return "a mapping of keys";
    case tlm::param_kind::list: return "a list";
    }
    return "?";
}

std::string join(const std::string& path, const std::string& key) { return path.empty() ? key : path + "." + key; }

std::vector<std::string> keys_of(const tlm::param_group& g) {
    std::vector<std::string> k;
    for (const auto& p : g.params()) k.push_back(p->key);
    return k;
}

std::string unknown_key_message(const tlm::param_group& g, const std::string& key) {
    std::string near = tlm::closest_match(key, keys_of(g));
    if (!near.empty()) return fmt::format("unknown key (did you mean '{}'?)", near);
    std::string all;
    for (const auto& k : keys_of(g)) all += (all.empty() ? "" : ", ") + k;
    if (all.empty()) return "unknown key";
    return fmt::format("unknown key (known here: {})", all);
}

class applier {
public:
    applier(const source& src, std::map<std::string, std::string>& origins) : src_(src), origins_(origins) {}

    void group(const ynode& n, const tlm::param_group& g, const std::string& path) {
        if (n.kind == ynode::null) return; // "memory:" with nothing below keeps the defaults
        if (n.kind != ynode::map)
            src_.fail_value(n, path, fmt::format("expected a mapping of keys, got {}", got(n)));
        std::map<std::string, const ynode*> seen;
        for (const ynode& child : n.children) {
            std::string cpath = join(path, child.key);
            auto [it, fresh] = seen.emplace(child.key, &child);
            if (!fresh) {
                const ynode& first = *it->second;
                std::string where = first.set_index >= 0 ? "by --set" : fmt::format("at line {}", first.key_line);
                src_.fail_key(child, cpath, fmt::format("duplicate key (first given {})", where));
            }
            const tlm::param* p = g.find(child.key);
            if (!p) src_.fail_key(child, cpath, unknown_key_message(g, child.key));
            value(child, *p);
        }
    }

private:
    void value(const ynode& n, const tlm::param& p) {
        origins_[p.path] = src_.where(n);
        if (p.is_scalar()) {
            if (n.kind != ynode::scalar) {
                std::string what = expected_text(p);
                if (p.kind == tlm::param_kind::choice) {
                    what = "one of ";
                    for (std::size_t i = 0; i < p.choices.size(); ++i) what += (i ? ", " : "") + p.choices[i];
                }
                src_.fail_value(n, p.path, fmt::format("expected {}, got {}", what, describe_kind(n)));
            }
            try {
                p.assign(n.value);
            } catch (const std::invalid_argument& e) {
                src_.fail_value(n, p.path, e.what());
            }
            return;
        }
        if (p.kind == tlm::param_kind::group) {
            group(n, *p.sub, p.path);
            return;
        }
        // list
        if (n.kind == ynode::null) {
            p.resize(0);
            return;
        }
        if (n.kind != ynode::seq) src_.fail_value(n, p.path, fmt::format("expected a list, got {}", got(n)));
        p.resize(n.children.size());
        for (std::size_t i = 0; i < n.children.size(); ++i) {
            tlm::param_group element(fmt::format("{}.{}", p.path, i), p.element_doc);
            p.make_element(element, i);
            group(n.children[i], element, element.path());
        }
    }

    const source& src_;
    std::map<std::string, std::string>& origins_;
};

// ---------------------------------------------------------------- --set

struct path_part {
    std::string name;
    bool index = false; // written as [n]
};

bool parse_index(const std::string& s, std::size_t& out) {
    if (s.empty() || s.size() > 9) return false;
    out = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return false;
        out = out * 10 + std::size_t(c - '0');
    }
    return true;
}

// "platform.traffic[0].size" -> platform, traffic, 0, size.
std::vector<std::string> split_key_path(const std::string& key, const source& src, int set_index) {
    std::vector<std::string> parts;
    std::string cur;
    std::size_t i = 0;
    auto bad = [&](const std::string& why) { src.fail_at(set_index, 0, 0, key, why); };
    bool after_bracket = false;
    while (i < key.size()) {
        char c = key[i];
        if (c == '.') {
            if (cur.empty() && !after_bracket) bad("empty component in the key path");
            if (!cur.empty()) parts.push_back(cur);
            cur.clear();
            after_bracket = false;
            ++i;
            if (i == key.size()) bad("the key path ends with '.'");
        } else if (c == '[') {
            if (cur.empty() && !after_bracket) bad("'[' must follow a key name");
            if (!cur.empty()) parts.push_back(cur);
            cur.clear();
            auto close = key.find(']', i);
            if (close == std::string::npos) bad("missing ']' in the key path");
            parts.push_back(key.substr(i + 1, close - i - 1));
            i = close + 1;
            after_bracket = true;
            if (i < key.size() && key[i] != '.' && key[i] != '[') bad("expected '.' or '[' after ']'");
        } else {
            if (after_bracket) bad("expected '.' or '[' after ']'");
            cur += c;
            ++i;
        }
    }
    if (!cur.empty()) parts.push_back(cur);
    if (parts.empty()) bad("empty key path");
    return parts;
}

void mark_set(ynode& n, int set_index) {
    n.set_index = set_index;
    n.line = n.column = n.key_line = n.key_column = 0;
    for (auto& c : n.children) mark_set(c, set_index);
}

ynode* find_child(ynode& map, const std::string& key) {
    for (auto& c : map.children)
        if (c.key == key) return &c;
    return nullptr;
}

// Merges one --set argument into the tree. Navigation follows the schema (a
// scratch scenario), so a list index is known to be an index and an unknown
// key is reported against the --set argument.
void apply_set(ynode& root, const std::string& arg, int set_index, const source& src) {
    auto eq = arg.find('=');
    if (eq == std::string::npos) src.fail_at(set_index, 0, 0, "", "expected key.path=value");
    std::string key = arg.substr(0, eq);
    while (!key.empty() && (key.back() == ' ' || key.back() == '\t')) key.pop_back();
    while (!key.empty() && (key.front() == ' ' || key.front() == '\t')) key.erase(0, 1);
    std::vector<std::string> parts = split_key_path(key, src, set_index);

    ynode val;
    try {
        val = parse_tree(arg.substr(eq + 1), "--set");
    } catch (const scenario_error& e) {
        src.fail_at(set_index, 0, 0, key, fmt::format("cannot read the value: {}", e.message));
    }
    mark_set(val, set_index);

    scenario scratch;
    tlm::param_group scratch_root;
    describe(scratch_root, scratch);
    std::vector<std::unique_ptr<tlm::param_group>> elements;

    const tlm::param_group* g = &scratch_root;
    ynode* cur = &root;
    std::string path;
    for (std::size_t i = 0; i < parts.size(); ++i) {
        const std::string& name = parts[i];
        const tlm::param* p = g->find(name);
        path = join(path, name);
        if (!p) src.fail_at(set_index, 0, 0, path, unknown_key_message(*g, name));
        ynode* child = find_child(*cur, name);
        if (i + 1 == parts.size()) {
            val.key = name;
            if (child)
                *child = std::move(val);
            else
                cur->children.push_back(std::move(val));
            return;
        }
        if (p->is_scalar())
            src.fail_at(set_index, 0, 0, path, fmt::format("is a {} and has no keys below it", tlm::to_string(p->kind)));
        if (!child) {
            ynode fresh;
            fresh.key = name;
            fresh.set_index = set_index;
            cur->children.push_back(std::move(fresh));
            child = &cur->children.back();
        }
        if (p->kind == tlm::param_kind::group) {
            if (child->kind != ynode::map) child->kind = ynode::map, child->children.clear(), child->value.clear();
            cur = child;
            g = p->sub.get();
            continue;
        }
        // A list: the next part is an element index.
        std::size_t index = 0;
        const std::string& ipart = parts[++i];
        if (!parse_index(ipart, index))
            src.fail_at(set_index, 0, 0, path, fmt::format("expected an element index after '{}', got '{}'", path, ipart));
        if (child->kind != ynode::seq) child->kind = ynode::seq, child->children.clear(), child->value.clear();
        std::size_t n = child->children.size();
        path = fmt::format("{}.{}", path, index);
        if (index > n)
            src.fail_at(set_index, 0, 0, path,
                        fmt::format("index {} is past the end of the list ({} element{}; index {} appends)", index, n,
                                    n == 1 ? "" : "s", n));
        if (index == n) {
            ynode fresh;
            fresh.set_index = set_index;
            child->children.push_back(std::move(fresh));
        }
        ynode* element = &child->children[index];
        if (i + 1 == parts.size()) {
            *element = std::move(val);
            return;
        }
        if (element->kind != ynode::map) element->kind = ynode::map, element->children.clear(), element->value.clear();
        p->resize(index + 1);
        elements.push_back(std::make_unique<tlm::param_group>(path, p->element_doc));
        p->make_element(*elements.back(), index);
        g = elements.back().get();
        cur = element;
    }
}

scenario load(const std::string& text, const std::string& display_name, const std::vector<std::string>& sets) {
    source src{display_name, sets};
    ynode root = parse_tree(text, display_name);
    if (root.kind != ynode::null && root.kind != ynode::map)
        src.fail_value(root, "", fmt::format("a scenario must be a mapping (run:, platform:, …), got {}", got(root)));
    root.kind = ynode::map;
    for (std::size_t i = 0; i < sets.size(); ++i) apply_set(root, sets[i], int(i), src);

    scenario s;
    tlm::param_group schema;
    describe(schema, s);
    std::map<std::string, std::string> origins;
    applier(src, origins).group(root, schema, "");
    s.origins = std::move(origins);
    return s;
}

} // namespace

scenario load_scenario_text(const std::string& text, const std::string& display_name,
                            const std::vector<std::string>& sets) {
    return load(text, display_name, sets);
}

scenario load_scenario(const std::string& path, const std::vector<std::string>& sets) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) throw scenario_error(path, 0, 0, "", "is a folder, not a scenario file");
    std::ifstream in(path, std::ios::binary);
    if (!in) throw scenario_error(path, 0, 0, "", "cannot open the file");
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) throw scenario_error(path, 0, 0, "", "cannot read the file");
    return load(text.str(), path, sets);
}

scenario load_default_scenario(const std::vector<std::string>& sets) {
    return load(std::string(default_scenario_text()), "scenarios/default.yaml (built in)", sets);
}

} // namespace ddisim::config
