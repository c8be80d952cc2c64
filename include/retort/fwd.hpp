// Forward declarations of Retort's handles, for headers that only name them: a function taking an Engine& or a
// Session&, a class holding a pointer to a Table, a model header declaring Ref<Owner>-free helpers. Including
// this instead of <retort/retort.hpp> or <retort/orm.hpp> costs no standard header at all; the source files that
// call into the handles include the full headers.
//
//   // clinic_service.hpp
//   #include <retort/fwd.hpp>
//   struct Pet;
//   void register_visit(retort::orm::Session& session, retort::orm::Ptr<Pet> pet);
#pragma once

namespace retort {

// Core: engine, connections, results (retort/engine/engine.hpp).
class Engine;
class Connection;
class Transaction;
class Result;
class Row;
class RowView;
struct EngineOptions;
struct ExecutionOptions;
class URL;  // retort/engine/url.hpp

// Schema (retort/schema/schema.hpp).
class MetaData;
class Table;
class Column;
class Sequence;
struct ColumnOptions;

// SQL statements (retort/sql/expression.hpp).
class Executable;
class Select;
class Insert;
class Update;
class Delete;
class TextClause;
class Compound;
template <class T>
class Expr;
template <class T>
class Col;

// Values and types (retort/types/value.hpp, retort/types/types.hpp).
class Value;
struct Date;
struct Time;
struct DateTime;
struct Interval;
struct Uuid;
struct Numeric;
struct Json;
struct SqlType;
template <class T>
struct type_adapter;

// Errors (retort/error.hpp).
class Error;

// Dialects (retort/dialects/dialect.hpp).
class Dialect;

namespace orm {
// The ORM (retort/orm.hpp).
class Session;
class Registry;
class MapperBase;
template <class T>
class Mapper;
template <class T>
class Mapping;
template <class T>
class Ptr;
template <class T>
class Ref;
template <class T>
class Collection;
class AnyPtr;
struct SessionOptions;
}  // namespace orm

}  // namespace retort
