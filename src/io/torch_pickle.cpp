#include "io/torch_pickle.h"

#include <array>
#include <cstring>
#include <deque>
#include <optional>
#include <unordered_map>
#include <utility>

#include "mlxocr/error.h"

namespace mlxocr {

namespace {

// Limits far above what torch.save writes for any real model (a few objects per tensor), low
// enough that a hostile pickle cannot make us allocate more than a few hundred megabytes.
constexpr std::size_t kMaxObjects = 4'000'000;
constexpr std::size_t kMaxMemo = 4'000'000;
constexpr std::size_t kMaxStack = 1'000'000;
constexpr std::size_t kMaxDims = 64;

// Every pickle opcode, so refusals can name what they refuse.
struct OpcodeName {
  std::uint8_t code;
  const char* name;
};
constexpr std::array<OpcodeName, 68> kOpcodeNames{{
    {'(', "MARK"},
    {'.', "STOP"},
    {'0', "POP"},
    {'1', "POP_MARK"},
    {'2', "DUP"},
    {'F', "FLOAT"},
    {'I', "INT"},
    {'J', "BININT"},
    {'K', "BININT1"},
    {'L', "LONG"},
    {'M', "BININT2"},
    {'N', "NONE"},
    {'P', "PERSID"},
    {'Q', "BINPERSID"},
    {'R', "REDUCE"},
    {'S', "STRING"},
    {'T', "BINSTRING"},
    {'U', "SHORT_BINSTRING"},
    {'V', "UNICODE"},
    {'X', "BINUNICODE"},
    {'a', "APPEND"},
    {'b', "BUILD"},
    {'c', "GLOBAL"},
    {'d', "DICT"},
    {'}', "EMPTY_DICT"},
    {'e', "APPENDS"},
    {'g', "GET"},
    {'h', "BINGET"},
    {'i', "INST"},
    {'j', "LONG_BINGET"},
    {'l', "LIST"},
    {']', "EMPTY_LIST"},
    {'o', "OBJ"},
    {'p', "PUT"},
    {'q', "BINPUT"},
    {'r', "LONG_BINPUT"},
    {'s', "SETITEM"},
    {'t', "TUPLE"},
    {')', "EMPTY_TUPLE"},
    {'u', "SETITEMS"},
    {'G', "BINFLOAT"},
    {0x80, "PROTO"},
    {0x81, "NEWOBJ"},
    {0x82, "EXT1"},
    {0x83, "EXT2"},
    {0x84, "EXT4"},
    {0x85, "TUPLE1"},
    {0x86, "TUPLE2"},
    {0x87, "TUPLE3"},
    {0x88, "NEWTRUE"},
    {0x89, "NEWFALSE"},
    {0x8a, "LONG1"},
    {0x8b, "LONG4"},
    {'B', "BINBYTES"},
    {'C', "SHORT_BINBYTES"},
    {0x8c, "SHORT_BINUNICODE"},
    {0x8d, "BINUNICODE8"},
    {0x8e, "BINBYTES8"},
    {0x8f, "EMPTY_SET"},
    {0x90, "ADDITEMS"},
    {0x91, "FROZENSET"},
    {0x92, "NEWOBJ_EX"},
    {0x93, "STACK_GLOBAL"},
    {0x94, "MEMOIZE"},
    {0x95, "FRAME"},
    {0x96, "BYTEARRAY8"},
    {0x97, "NEXT_BUFFER"},
    {0x98, "READONLY_BUFFER"},
}};

std::string opcode_description(std::uint8_t code) {
  static const char* hex = "0123456789abcdef";
  std::string text = "0x";
  text += hex[code >> 4];
  text += hex[code & 15];
  for (const auto& entry : kOpcodeNames)
    if (entry.code == code) return entry.name + (" (" + text + ")");
  return "unknown opcode " + text;
}

struct StorageType {
  const char* name;
  mx::Dtype dtype;
};
constexpr std::array<StorageType, 10> kStorageTypes{{
    {"FloatStorage", mx::float32},
    {"HalfStorage", mx::float16},
    {"BFloat16Storage", mx::bfloat16},
    {"DoubleStorage", mx::float64},
    {"LongStorage", mx::int64},
    {"IntStorage", mx::int32},
    {"ShortStorage", mx::int16},
    {"CharStorage", mx::int8},
    {"ByteStorage", mx::uint8},
    {"BoolStorage", mx::bool_},
}};

// The only globals a pickle may name.
enum class Callable {
  kOrderedDict,
  kRebuildTensorV2,
  kRebuildParameter,
  kRebuildParameterWithState,
  kStorageType,  // a class used only as the type field of a persistent id
};

struct Value {
  enum class Kind : std::uint8_t { kNone, kBool, kInt, kFloat, kString, kBytes, kObject };
  Kind kind = Kind::kNone;
  std::int64_t integer = 0;  // kBool, kInt; the object index for kObject
  double real = 0;
  std::shared_ptr<const std::string> text;  // kString, kBytes (shared: BINGET copies are cheap)

  static Value none() { return {}; }
  static Value boolean(bool b) { return {Kind::kBool, b ? 1 : 0, 0, nullptr}; }
  static Value number(std::int64_t i) { return {Kind::kInt, i, 0, nullptr}; }
  static Value object(std::size_t index) {
    return {Kind::kObject, static_cast<std::int64_t>(index), 0, nullptr};
  }
};

struct Object {
  enum class Kind : std::uint8_t { kTuple, kList, kDict, kCallable, kStorage, kTensor };
  Kind kind = Kind::kTuple;
  // Tuple and list elements; dict entries as key, value, key, value... (later keys win, as in
  // Python, which is applied when the dict is read).
  std::vector<Value> items;
  Callable callable = Callable::kOrderedDict;
  std::string global_name;  // "module.name" of a callable
  std::size_t storage_type = 0;
  std::shared_ptr<const TorchStorage> storage;
  std::shared_ptr<const TorchTensorView> tensor;
};

const char* kind_name(const Value& value, const std::deque<Object>& objects) {
  switch (value.kind) {
    case Value::Kind::kNone:
      return "None";
    case Value::Kind::kBool:
      return "a bool";
    case Value::Kind::kInt:
      return "an int";
    case Value::Kind::kFloat:
      return "a float";
    case Value::Kind::kString:
      return "a string";
    case Value::Kind::kBytes:
      return "bytes";
    case Value::Kind::kObject:
      break;
  }
  switch (objects[static_cast<std::size_t>(value.integer)].kind) {
    case Object::Kind::kTuple:
      return "a tuple";
    case Object::Kind::kList:
      return "a list";
    case Object::Kind::kDict:
      return "a dict";
    case Object::Kind::kCallable:
      return "a class or function";
    case Object::Kind::kStorage:
      return "a storage";
    case Object::Kind::kTensor:
      return "a tensor";
  }
  return "an object";
}

// Objects live in one arena and refer to each other by index, so that no nesting depth or cycle a
// pickle builds can make destruction recurse or leak.
class Unpickler {
 public:
  Unpickler(std::string_view pickle, const std::string& where) : data_(pickle), where_(where) {}

  Value run();
  const Object& object(const Value& value) const {
    return objects_[static_cast<std::size_t>(value.integer)];
  }
  bool is(const Value& value, Object::Kind kind) const {
    return value.kind == Value::Kind::kObject && object(value).kind == kind;
  }
  const char* describe(const Value& value) const { return kind_name(value, objects_); }

  [[noreturn]] void fail(const std::string& message) const {
    throw CheckpointError(where_ + ": data.pkl byte " + std::to_string(opcode_position_) + ": " +
                          message);
  }

 private:
  std::string_view read(std::size_t count) {
    if (count > data_.size() - position_)
      fail("pickle ends in the middle of " + opcode_description(opcode_) +
           " (truncated data.pkl?)");
    const std::string_view bytes = data_.substr(position_, count);
    position_ += count;
    return bytes;
  }
  std::uint64_t read_le(std::size_t count) {
    const std::string_view bytes = read(count);
    std::uint64_t value = 0;
    for (std::size_t i = count; i-- > 0;)
      value = value << 8 | static_cast<std::uint8_t>(bytes[i]);
    return value;
  }
  std::string_view read_line() {
    const std::size_t end = data_.find('\n', position_);
    if (end == std::string_view::npos) fail("GLOBAL name is not terminated by a newline");
    const std::string_view line = data_.substr(position_, end - position_);
    position_ = end + 1;
    return line;
  }
  std::size_t length(std::uint64_t count) {
    if (count > data_.size() - position_)
      fail(opcode_description(opcode_) + " announces " + std::to_string(count) +
           " bytes, more than remain in data.pkl");
    return static_cast<std::size_t>(count);
  }

  Value new_object(Object::Kind kind) {
    if (objects_.size() >= kMaxObjects)
      fail("pickle builds more than " + std::to_string(kMaxObjects) +
           " objects, far beyond any torch state dict");
    objects_.emplace_back();
    objects_.back().kind = kind;
    return Value::object(objects_.size() - 1);
  }
  Object& mutable_object(const Value& value) {
    return objects_[static_cast<std::size_t>(value.integer)];
  }

  std::size_t floor() const { return marks_.empty() ? 0 : marks_.back(); }
  void push(Value value) {
    if (stack_.size() >= kMaxStack)
      fail("pickle stack grows beyond " + std::to_string(kMaxStack) + " entries");
    stack_.push_back(std::move(value));
  }
  Value pop() {
    if (stack_.size() <= floor()) fail(opcode_description(opcode_) + " finds the stack empty");
    Value value = std::move(stack_.back());
    stack_.pop_back();
    return value;
  }
  Value& top() {
    if (stack_.size() <= floor()) fail(opcode_description(opcode_) + " finds the stack empty");
    return stack_.back();
  }
  std::vector<Value> pop_to_mark() {
    if (marks_.empty()) fail(opcode_description(opcode_) + " has no MARK to pair with");
    const std::size_t mark = marks_.back();
    marks_.pop_back();
    std::vector<Value> items(std::make_move_iterator(stack_.begin() + mark),
                             std::make_move_iterator(stack_.end()));
    stack_.resize(mark);
    return items;
  }
  void memo_put(std::uint64_t index) {
    if (memo_.size() >= kMaxMemo && !memo_.count(index))
      fail("pickle memo grows beyond " + std::to_string(kMaxMemo) + " entries");
    memo_[index] = top();
  }
  Value memo_get(std::uint64_t index) {
    const auto it = memo_.find(index);
    if (it == memo_.end()) fail("memo entry " + std::to_string(index) + " was never stored");
    return it->second;
  }
  Value tuple(std::vector<Value> items) {
    Value value = new_object(Object::Kind::kTuple);
    mutable_object(value).items = std::move(items);
    return value;
  }
  Value text(Value::Kind kind, std::string_view bytes) {
    Value value;
    value.kind = kind;
    value.text = std::make_shared<const std::string>(bytes);
    return value;
  }

  Value global(std::string_view module, std::string_view name);
  Value reduce(const Value& callable, const Value& arguments);
  Value persistent_load(const Value& pid);
  std::vector<std::int64_t> int_tuple(const Value& value, const char* what);

  std::string_view data_;
  const std::string& where_;
  std::size_t position_ = 0;
  std::size_t opcode_position_ = 0;
  std::uint8_t opcode_ = 0;
  std::deque<Object> objects_;
  std::vector<Value> stack_;
  std::vector<std::size_t> marks_;
  std::unordered_map<std::uint64_t, Value> memo_;
};

Value Unpickler::global(std::string_view module, std::string_view name) {
  const std::string full = std::string(module) + "." + std::string(name);
  std::optional<Callable> callable;
  std::size_t storage_type = 0;
  if (module == "collections" && name == "OrderedDict") {
    callable = Callable::kOrderedDict;
  } else if (module == "torch._utils" && name == "_rebuild_tensor_v2") {
    callable = Callable::kRebuildTensorV2;
  } else if (module == "torch._utils" && name == "_rebuild_parameter") {
    callable = Callable::kRebuildParameter;
  } else if (module == "torch._utils" && name == "_rebuild_parameter_with_state") {
    callable = Callable::kRebuildParameterWithState;
  } else if (module == "torch") {
    for (std::size_t i = 0; i < kStorageTypes.size(); ++i) {
      if (name == kStorageTypes[i].name) {
        callable = Callable::kStorageType;
        storage_type = i;
      }
    }
  }
  if (!callable) {
    throw CheckpointError(where_ + ": refusing to load: the pickle asks for '" + full +
                          "', which is not a tensor or dict constructor (only torch tensor "
                          "storages and OrderedDict are allowed)");
  }
  Value value = new_object(Object::Kind::kCallable);
  Object& object = mutable_object(value);
  object.callable = *callable;
  object.global_name = full;
  object.storage_type = storage_type;
  return value;
}

std::vector<std::int64_t> Unpickler::int_tuple(const Value& value, const char* what) {
  if (!is(value, Object::Kind::kTuple) && !is(value, Object::Kind::kList))
    fail(std::string("tensor ") + what + " must be a tuple of integers, got " + describe(value));
  const auto& items = object(value).items;
  if (items.size() > kMaxDims)
    fail(std::string("tensor ") + what + " has " + std::to_string(items.size()) +
         " dimensions, more than the " + std::to_string(kMaxDims) + " allowed");
  std::vector<std::int64_t> numbers;
  for (const Value& item : items) {
    if (item.kind != Value::Kind::kInt)
      fail(std::string("tensor ") + what + " must hold integers, found " + describe(item));
    numbers.push_back(item.integer);
  }
  return numbers;
}

Value Unpickler::reduce(const Value& callable, const Value& arguments) {
  if (!is(callable, Object::Kind::kCallable))
    fail(std::string("REDUCE calls ") + describe(callable) + ", which is not callable");
  if (!is(arguments, Object::Kind::kTuple))
    fail(std::string("REDUCE arguments must be a tuple, got ") + describe(arguments));
  const Object& function = object(callable);
  const std::vector<Value>& args = object(arguments).items;
  switch (function.callable) {
    case Callable::kOrderedDict:
      if (!args.empty()) fail("OrderedDict is only accepted with no arguments, as torch writes it");
      return new_object(Object::Kind::kDict);
    case Callable::kRebuildTensorV2: {
      // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
      if (args.size() != 6 && args.size() != 7)
        fail("_rebuild_tensor_v2 takes 6 or 7 arguments, got " + std::to_string(args.size()));
      if (!is(args[0], Object::Kind::kStorage))
        fail(std::string("_rebuild_tensor_v2 needs a storage, got ") + describe(args[0]));
      if (args[1].kind != Value::Kind::kInt)
        fail(std::string("_rebuild_tensor_v2 storage offset must be an int, got ") +
             describe(args[1]));
      auto view = std::make_shared<TorchTensorView>();
      view->storage = object(args[0]).storage;
      view->offset = args[1].integer;
      view->size = int_tuple(args[2], "size");
      view->stride = int_tuple(args[3], "stride");
      if (view->size.size() != view->stride.size())
        fail("_rebuild_tensor_v2 has " + std::to_string(view->size.size()) + " sizes but " +
             std::to_string(view->stride.size()) + " strides");
      Value tensor = new_object(Object::Kind::kTensor);
      mutable_object(tensor).tensor = std::move(view);
      return tensor;
    }
    case Callable::kRebuildParameter:
    case Callable::kRebuildParameterWithState: {
      // (data, requires_grad, backward_hooks[, state]): the parameter is its data tensor.
      const std::size_t expected = function.callable == Callable::kRebuildParameter ? 3 : 4;
      if (args.size() != expected)
        fail(function.global_name + " takes " + std::to_string(expected) + " arguments, got " +
             std::to_string(args.size()));
      if (!is(args[0], Object::Kind::kTensor))
        fail(function.global_name + " needs a tensor, got " + describe(args[0]));
      return args[0];
    }
    case Callable::kStorageType:
      break;
  }
  fail("'" + function.global_name +
       "' may only appear as the storage type of a persistent id, not be called");
}

Value Unpickler::persistent_load(const Value& pid) {
  // torch.save writes ('storage', storage_type, key, location, numel).
  if (!is(pid, Object::Kind::kTuple))
    fail(std::string("persistent id must be a tuple, got ") + describe(pid));
  const std::vector<Value>& fields = object(pid).items;
  if (fields.size() != 5 || fields[0].kind != Value::Kind::kString || *fields[0].text != "storage")
    fail("persistent id must be ('storage', type, key, location, numel) as torch.save writes it");
  if (!is(fields[1], Object::Kind::kCallable) ||
      object(fields[1]).callable != Callable::kStorageType)
    fail(std::string("persistent id storage type must be a torch storage class, got ") +
         describe(fields[1]));
  if (fields[2].kind != Value::Kind::kString)
    fail(std::string("persistent id storage key must be a string, got ") + describe(fields[2]));
  if (fields[4].kind != Value::Kind::kInt || fields[4].integer < 0)
    fail("persistent id element count must be a non-negative int");
  const StorageType& type = kStorageTypes[object(fields[1]).storage_type];
  auto storage = std::make_shared<TorchStorage>();
  storage->key = *fields[2].text;
  storage->type_name = type.name;
  storage->dtype = type.dtype;
  storage->numel = fields[4].integer;
  Value value = new_object(Object::Kind::kStorage);
  mutable_object(value).storage = std::move(storage);
  return value;
}

Value Unpickler::run() {
  while (true) {
    opcode_position_ = position_;
    if (position_ >= data_.size()) fail("pickle ends without STOP (truncated data.pkl?)");
    opcode_ = static_cast<std::uint8_t>(data_[position_++]);
    switch (opcode_) {
      case 0x80: {  // PROTO
        const auto protocol = read_le(1);
        if (protocol < 2 || protocol > 5)
          fail("pickle protocol " + std::to_string(protocol) +
               " is not supported (expected 2 to 5)");
        break;
      }
      case 0x95:  // FRAME: a length hint only; the framed opcodes follow inline.
        read_le(8);
        break;
      case '}':
        push(new_object(Object::Kind::kDict));
        break;
      case ']':
        push(new_object(Object::Kind::kList));
        break;
      case ')':
        push(tuple({}));
        break;
      case '(':
        if (marks_.size() >= kMaxStack) fail("too many nested MARKs");
        marks_.push_back(stack_.size());
        break;
      case 'q':
        memo_put(read_le(1));
        break;
      case 'r':
        memo_put(read_le(4));
        break;
      case 0x94:  // MEMOIZE
        memo_put(memo_.size());
        break;
      case 'h':
        push(memo_get(read_le(1)));
        break;
      case 'j':
        push(memo_get(read_le(4)));
        break;
      case 'X':
        push(text(Value::Kind::kString, read(length(read_le(4)))));
        break;
      case 0x8c:  // SHORT_BINUNICODE
        push(text(Value::Kind::kString, read(length(read_le(1)))));
        break;
      case 0x8d:  // BINUNICODE8
        push(text(Value::Kind::kString, read(length(read_le(8)))));
        break;
      case 'B':
        push(text(Value::Kind::kBytes, read(length(read_le(4)))));
        break;
      case 'C':
        push(text(Value::Kind::kBytes, read(length(read_le(1)))));
        break;
      case 0x8e:  // BINBYTES8
        push(text(Value::Kind::kBytes, read(length(read_le(8)))));
        break;
      case 'J':
        push(Value::number(static_cast<std::int32_t>(read_le(4))));
        break;
      case 'K':
        push(Value::number(static_cast<std::int64_t>(read_le(1))));
        break;
      case 'M':
        push(Value::number(static_cast<std::int64_t>(read_le(2))));
        break;
      case 0x8a: {  // LONG1: little-endian two's complement of n bytes
        const std::size_t count = static_cast<std::size_t>(read_le(1));
        if (count > 8) fail("integer of " + std::to_string(count) + " bytes does not fit 64 bits");
        std::uint64_t bits = count == 0 ? 0 : read_le(count);
        if (count > 0 && count < 8 && (bits >> (count * 8 - 1)) & 1)
          bits |= ~std::uint64_t{0} << (count * 8);  // sign-extend
        push(Value::number(static_cast<std::int64_t>(bits)));
        break;
      }
      case 'G': {  // BINFLOAT: big-endian IEEE double
        const std::string_view bytes = read(8);
        std::uint64_t bits = 0;
        for (char byte : bytes)
          bits = bits << 8 | static_cast<std::uint8_t>(byte);
        Value value;
        value.kind = Value::Kind::kFloat;
        std::memcpy(&value.real, &bits, sizeof bits);
        push(value);
        break;
      }
      case 0x88:
        push(Value::boolean(true));
        break;
      case 0x89:
        push(Value::boolean(false));
        break;
      case 'N':
        push(Value::none());
        break;
      case 't':
        push(tuple(pop_to_mark()));
        break;
      case 0x85:
      case 0x86:
      case 0x87: {  // TUPLE1..3
        std::vector<Value> items(opcode_ - 0x84);
        for (std::size_t i = items.size(); i-- > 0;)
          items[i] = pop();
        push(tuple(std::move(items)));
        break;
      }
      case 's': {
        Value value = pop();
        Value key = pop();
        if (!is(top(), Object::Kind::kDict))
          fail(std::string("SETITEM on ") + describe(top()) + ", expected a dict");
        auto& items = mutable_object(top()).items;
        items.push_back(std::move(key));
        items.push_back(std::move(value));
        break;
      }
      case 'u': {
        std::vector<Value> pairs = pop_to_mark();
        if (pairs.size() % 2 != 0) fail("SETITEMS with an odd number of keys and values");
        if (!is(top(), Object::Kind::kDict))
          fail(std::string("SETITEMS on ") + describe(top()) + ", expected a dict");
        auto& items = mutable_object(top()).items;
        for (Value& item : pairs)
          items.push_back(std::move(item));
        break;
      }
      case 'a': {
        Value value = pop();
        if (!is(top(), Object::Kind::kList))
          fail(std::string("APPEND on ") + describe(top()) + ", expected a list");
        mutable_object(top()).items.push_back(std::move(value));
        break;
      }
      case 'e': {
        std::vector<Value> values = pop_to_mark();
        if (!is(top(), Object::Kind::kList))
          fail(std::string("APPENDS on ") + describe(top()) + ", expected a list");
        auto& items = mutable_object(top()).items;
        for (Value& item : values)
          items.push_back(std::move(item));
        break;
      }
      case 'c': {
        const std::string_view module = read_line();
        const std::string_view name = read_line();
        push(global(module, name));
        break;
      }
      case 0x93: {  // STACK_GLOBAL
        Value name = pop();
        Value module = pop();
        if (name.kind != Value::Kind::kString || module.kind != Value::Kind::kString)
          fail("STACK_GLOBAL needs a module and a name string");
        push(global(*module.text, *name.text));
        break;
      }
      case 'R': {
        Value arguments = pop();
        Value callable = pop();
        push(reduce(callable, arguments));
        break;
      }
      case 'Q':
        push(persistent_load(pop()));
        break;
      case 'b': {
        // BUILD sets an object's state: torch uses it for a state dict's `_metadata`. Plain
        // containers and tensors keep no state we need, so the state is dropped.
        pop();
        if (!is(top(), Object::Kind::kDict) && !is(top(), Object::Kind::kList) &&
            !is(top(), Object::Kind::kTensor))
          fail(std::string("BUILD on ") + describe(top()) + ", expected a dict or a tensor");
        break;
      }
      case '0':
        if (stack_.size() > floor()) {
          stack_.pop_back();
        } else {
          pop_to_mark();
        }
        break;
      case '1':
        pop_to_mark();
        break;
      case '2':
        push(top());
        break;
      case '.': {
        Value result = pop();
        return result;
      }
      default:
        fail("unsupported pickle opcode " + opcode_description(opcode_) +
             "; only the opcodes torch.save writes are accepted");
    }
  }
}

// Tensor entries of a dict with string keys; a later duplicate key wins, as in Python.
std::map<std::string, TorchTensorView> tensors_of(const Unpickler& unpickler, const Value& dict) {
  std::map<std::string, TorchTensorView> tensors;
  const auto& items = unpickler.object(dict).items;
  for (std::size_t i = 0; i + 1 < items.size(); i += 2) {
    const Value& key = items[i];
    const Value& value = items[i + 1];
    if (key.kind != Value::Kind::kString) continue;
    if (unpickler.is(value, Object::Kind::kTensor)) {
      tensors.insert_or_assign(*key.text, *unpickler.object(value).tensor);
    } else {
      tensors.erase(*key.text);
    }
  }
  return tensors;
}

std::optional<Value> dict_entry(const Unpickler& unpickler, const Value& dict,
                                std::string_view name) {
  std::optional<Value> found;
  const auto& items = unpickler.object(dict).items;
  for (std::size_t i = 0; i + 1 < items.size(); i += 2)
    if (items[i].kind == Value::Kind::kString && *items[i].text == name) found = items[i + 1];
  return found;
}

}  // namespace

std::map<std::string, TorchTensorView> unpickle_torch_state_dict(std::string_view pickle,
                                                                 const std::string& where) {
  Unpickler unpickler(pickle, where);
  const Value root = unpickler.run();
  if (!unpickler.is(root, Object::Kind::kDict))
    throw CheckpointError(where + ": data.pkl holds " + std::string(unpickler.describe(root)) +
                          ", expected a dict of tensors (a state dict)");
  std::map<std::string, TorchTensorView> tensors = tensors_of(unpickler, root);
  if (!tensors.empty()) return tensors;
  for (const char* nested : {"state_dict", "model"}) {
    const std::optional<Value> inner = dict_entry(unpickler, root, nested);
    if (inner && unpickler.is(*inner, Object::Kind::kDict)) return tensors_of(unpickler, *inner);
  }
  return tensors;
}

}  // namespace mlxocr
