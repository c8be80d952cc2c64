// Retort's exception hierarchy. Every error Retort raises derives from retort::Error.
// Database errors carry the SQLSTATE, the statement and the types of its parameters, never their values,
// so a password or token bound as a parameter can never end up in an error's message (nor in a log that
// records errors), whatever EngineOptions::hide_parameters says.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "retort/export.hpp"

namespace retort {

class RETORT_API Error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// A function was called with an argument that cannot work (bad URL, unknown column, ...).
class RETORT_API ArgumentError : public Error {
public:
    using Error::Error;
};

// A URL could not be parsed.
class RETORT_API UrlError : public ArgumentError {
public:
    using ArgumentError::ArgumentError;
};

// No dialect is registered for a URL's scheme.
class RETORT_API NoSuchModuleError : public ArgumentError {
public:
    using ArgumentError::ArgumentError;
};

// An operation was asked of an object in a state that cannot do it.
class RETORT_API InvalidRequestError : public Error {
public:
    using Error::Error;
};

class RETORT_API NoResultFound : public InvalidRequestError {
public:
    using InvalidRequestError::InvalidRequestError;
};

class RETORT_API MultipleResultsFound : public InvalidRequestError {
public:
    using InvalidRequestError::InvalidRequestError;
};

// A Connection (or Result) was used after it was closed.
class RETORT_API ResourceClosedError : public InvalidRequestError {
public:
    using InvalidRequestError::InvalidRequestError;
};

// The Connection's transaction can no longer go on: its connection was invalidated (or the server dropped it)
// in the middle of it, or its COMMIT failed. Nothing more runs on it, and commit() raises this too, until the
// transaction is rolled back (Connection::rollback() or the Transaction's rollback()); a Session whose flush
// failed likewise until Session::rollback().
class RETORT_API PendingRollbackError : public InvalidRequestError {
public:
    using InvalidRequestError::InvalidRequestError;
};

// The work would pass what the database allows one transaction to change (Aurora DSQL: 3,000 rows, 10 MiB;
// DialectCapabilities::max_rows_per_transaction / max_bytes_per_transaction). Raised before anything is sent:
// nothing of the work was written. Split it into transactions of their own (dsql::insert_in_chunks, or
// commits between parts of the work).
class RETORT_API TransactionLimitError : public InvalidRequestError {
public:
    using InvalidRequestError::InvalidRequestError;
};

// A statement could not be turned into SQL for the dialect at hand.
class RETORT_API CompileError : public Error {
public:
    using Error::Error;
};

// A value read from the database could not be converted to the C++ type asked for.
class RETORT_API TypeError : public Error {
public:
    using Error::Error;
};

// The pool had no connection to give within pool_timeout.
class RETORT_API TimeoutError : public Error {
public:
    using Error::Error;
};

// Base of all errors reported by a database driver.
class RETORT_API DBAPIError : public Error {
public:
    DBAPIError(std::string message, std::string sqlstate = {}, std::string statement = {},
               std::vector<std::string> param_types = {}, bool connection_invalidated = false);

    // Five-character SQLSTATE code when the driver gave one ("23505"), else empty.
    [[nodiscard]] const std::string& sqlstate() const noexcept { return sqlstate_; }
    // The SQL text that failed (values are bound parameters, never part of it).
    [[nodiscard]] const std::string& statement() const noexcept { return statement_; }
    // The type names of the bound parameters, in order.
    [[nodiscard]] const std::vector<std::string>& param_types() const noexcept { return param_types_; }
    // The driver's own message, without the statement.
    [[nodiscard]] const std::string& orig_message() const noexcept { return orig_; }
    // True when the error means the connection is gone; the pool has then discarded it.
    [[nodiscard]] bool connection_invalidated() const noexcept { return invalidated_; }
    void set_connection_invalidated(bool v) noexcept { invalidated_ = v; }

private:
    std::string orig_, sqlstate_, statement_;
    std::vector<std::string> param_types_;
    bool invalidated_ = false;
};

#define RETORT_DBAPI_ERROR(Name, Base)                                                                       \
    class RETORT_API Name : public Base {                                                                    \
    public:                                                                                                  \
        using Base::Base;                                                                                    \
    };

RETORT_DBAPI_ERROR(InterfaceError, DBAPIError)
RETORT_DBAPI_ERROR(DatabaseError, DBAPIError)
RETORT_DBAPI_ERROR(OperationalError, DatabaseError)
RETORT_DBAPI_ERROR(IntegrityError, DatabaseError)
RETORT_DBAPI_ERROR(ProgrammingError, DatabaseError)
RETORT_DBAPI_ERROR(DataError, DatabaseError)
RETORT_DBAPI_ERROR(InternalError, DatabaseError)
RETORT_DBAPI_ERROR(NotSupportedError, DatabaseError)
// SQLSTATE 40001: the transaction conflicted with another and may be retried as a whole.
RETORT_DBAPI_ERROR(SerializationFailure, OperationalError)
// SQLite's "database is locked" (SQLITE_BUSY, SQLITE_LOCKED): another connection held the lock past the busy
// timeout, or two transactions that both read would deadlock on the write lock, so SQLite gave up at once. As
// with a serialization failure, running the whole transaction again is the remedy (dsql::run_transaction
// does); the error has no SQLSTATE.
RETORT_DBAPI_ERROR(DatabaseLocked, SerializationFailure)

#undef RETORT_DBAPI_ERROR

}  // namespace retort
