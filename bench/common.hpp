// What every benchmark program shares: the command line, the data every implementation reads and writes,
// the checksums that prove a program read what is in the database, and the one JSON line it prints.
// bench/python/workloads.py defines the same data and checksums for the Python side; the two must agree.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <functional>
#include <iomanip>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace bench {

// Command line of every program:
//   --workload W1|W2|W3|W4|W5-eager|W5-lazy|W6 --db sqlite|postgresql|mariadb --target PATH_OR_URL
//   --rows N [--table-rows M] [--variant NAME]
// target is the SQLite file, a libpq URI ("postgresql://user@/db?host=/socket/dir&port=5432") or, for MariaDB,
// Retort's mysql URL ("mysql://user@/db?unix_socket=/socket/path", read by bench/mariadb.hpp for the raw side).
struct Args {
    std::string workload, db, target, variant;
    long rows = 0;        // units of work: rows inserted, lookups made, owners loaded, ...
    long table_rows = 0;  // rows the runner's setup put in the main table (customers, or owners for W5)
};

// Thrown for a workload or variant a program does not implement; the runner treats it as a bug.
struct Unsupported : std::runtime_error {
    using std::runtime_error::runtime_error;
};

inline Args parse_args(int argc, char** argv) {
    Args a;
    for (int i = 1; i < argc; ++i) {
        std::string_view k = argv[i];
        if (i + 1 >= argc) throw std::invalid_argument("missing value after " + std::string(k));
        std::string v = argv[++i];
        if (k == "--workload") a.workload = v;
        else if (k == "--db") a.db = v;
        else if (k == "--target") a.target = v;
        else if (k == "--variant") a.variant = v;
        else if (k == "--rows") a.rows = std::stol(v);
        else if (k == "--table-rows") a.table_rows = std::stol(v);
        else throw std::invalid_argument("unknown option " + std::string(k));
    }
    if (a.workload.empty() || a.target.empty() || a.rows <= 0 || (a.db != "sqlite" && a.db != "postgresql" && a.db != "mariadb"))
        throw std::invalid_argument("usage: --workload W --db sqlite|postgresql|mariadb --target T --rows N "
                                    "[--table-rows M] [--variant V]");
    return a;
}

// ---- the data (kept identical to bench/python/workloads.py)

constexpr long kPetsPerOwner = 10;

inline std::string customer_name(long i) { return "customer name " + std::to_string(i); }
inline std::string customer_description(long i) { return "customer description " + std::to_string(i); }
// W6 changes each description to this.
inline std::string updated_description(std::string_view old) { return "updated " + std::string(old); }
inline std::string owner_name(long i) { return "owner " + std::to_string(i); }
inline std::string pet_name(long k) { return "pet " + std::to_string(k); }
inline long pet_owner(long k) { return (k - 1) / kPetsPerOwner + 1; }

// W3's "random" ids: a 64-bit LCG, so that C++ and Python look up the same ids in the same order.
class IdSequence {
public:
    explicit IdSequence(long table_rows) : n_(static_cast<std::uint64_t>(table_rows)) {}
    long next() {
        x_ = x_ * 6364136223846793005ULL + 1442695040888963407ULL;
        return static_cast<long>((x_ >> 33) % n_) + 1;
    }

private:
    std::uint64_t x_ = 42;
    std::uint64_t n_;
};

struct Customer {
    std::int64_t id = 0;
    std::string name, description;
};
struct Pet {
    std::int64_t id = 0;
    std::string name;
};
struct Owner {
    std::int64_t id = 0;
    std::string name;
    std::vector<Pet> pets;
};

// Checksums over what a program read: they change if any id, text or owner/pet pairing is wrong.
inline std::int64_t checksum(const Customer& c) {
    return c.id + static_cast<std::int64_t>(c.name.size() + c.description.size());
}
inline std::int64_t checksum(const Owner& o) {
    auto s = o.id + static_cast<std::int64_t>(o.name.size());
    for (const auto& p : o.pets) s += p.id * o.id + static_cast<std::int64_t>(p.name.size());
    return s;
}
// What a W5 program loaded: owners and pets counted, and their checksum.
inline long count_loaded(const std::vector<Owner>& owners) {
    long n = static_cast<long>(owners.size());
    for (const auto& o : owners) n += static_cast<long>(o.pets.size());
    return n;
}
inline std::int64_t sum_owners(const std::vector<Owner>& owners) {
    std::int64_t s = 0;
    for (const auto& o : owners) s += checksum(o);
    return s;
}
inline std::int64_t digits(long i) { return static_cast<std::int64_t>(std::to_string(i).size()); }

// The checksum a correct program reports for a read workload (nullopt for write workloads, which the
// runner verifies in the database instead).
inline std::optional<std::int64_t> expected_checksum(const Args& a) {
    auto cust = [](long i) { return i + 14 + digits(i) + 21 + digits(i); };
    auto owner = [](long i) {
        std::int64_t s = i + 6 + digits(i);
        for (long k = (i - 1) * kPetsPerOwner + 1; k <= i * kPetsPerOwner; ++k) s += k * i + 4 + digits(k);
        return s;
    };
    std::int64_t s = 0;
    if (a.workload == "W3") {
        IdSequence ids(a.table_rows);
        for (long n = 0; n < a.rows; ++n) s += cust(ids.next());
    } else if (a.workload == "W4") {
        for (long i = 1; i <= a.rows; ++i) s += cust(i);
    } else if (a.workload == "W5-eager" || a.workload == "W5-lazy") {
        for (long i = 1; i <= a.rows; ++i) s += owner(i);
    } else {
        return std::nullopt;
    }
    return s;
}

// Rows a workload handles, for rows per second: W5 counts owners and pets.
inline long expected_rows(const Args& a) {
    if (a.workload == "W5-eager" || a.workload == "W5-lazy") return a.rows * (1 + kPetsPerOwner);
    return a.rows;
}

// The timed part of a workload: start() after connecting and setting up, stop() once the work is
// committed or the rows are held in memory.
class Timer {
public:
    void start() { t0_ = std::chrono::steady_clock::now(); }
    void stop() { t1_ = std::chrono::steady_clock::now(); }
    [[nodiscard]] double seconds() const { return std::chrono::duration<double>(t1_ - t0_).count(); }

private:
    std::chrono::steady_clock::time_point t0_, t1_;
};

struct Outcome {
    long rows = 0;
    std::optional<std::int64_t> checksum;
};

using Workload = std::function<Outcome(const Args&, Timer&)>;

// A program's function for each workload (null: the program does not run that one).
struct Workloads {
    Workload w1, w2, w3, w4, w5_eager, w5_lazy, w6;
};

// The function of the workload a names.
inline Workload pick(const Args& a, const Workloads& w) {
    if (a.workload == "W1") return w.w1;
    if (a.workload == "W2") return w.w2;
    if (a.workload == "W3") return w.w3;
    if (a.workload == "W4") return w.w4;
    if (a.workload == "W5-eager") return w.w5_eager;
    if (a.workload == "W5-lazy") return w.w5_lazy;
    if (a.workload == "W6") return w.w6;
    return nullptr;
}

// main() of a benchmark program: runs the workload that dispatch picks, checks its outcome and prints
// {"seconds": s, "rows": n, "checksum": c}. Exit status 1 on any failure, with the reason on stderr.
inline int run(int argc, char** argv, const std::function<Workload(const Args&)>& dispatch) {
    try {
        const Args a = parse_args(argc, argv);
        Workload w = dispatch(a);
        if (!w) throw Unsupported("workload " + a.workload + (a.variant.empty() ? "" : " variant " + a.variant) +
                                  " is not implemented by " + argv[0]);
        Timer t;
        const Outcome out = w(a, t);
        if (out.rows != expected_rows(a))
            throw std::runtime_error("handled " + std::to_string(out.rows) + " rows, expected " +
                                     std::to_string(expected_rows(a)));
        const auto want = expected_checksum(a);
        if (want && out.checksum != want)
            throw std::runtime_error("checksum " + (out.checksum ? std::to_string(*out.checksum) : "none") +
                                     ", expected " + std::to_string(*want) + ": the rows read are wrong");
        std::cout << std::setprecision(9) << "{\"seconds\": " << t.seconds() << ", \"rows\": " << out.rows;
        if (out.checksum) std::cout << ", \"checksum\": " << *out.checksum;
        std::cout << "}" << std::endl;
        return 0;
    } catch (const std::exception& e) {
        std::cerr << argv[0] << ": " << e.what() << std::endl;
        return 1;
    }
}

}  // namespace bench
