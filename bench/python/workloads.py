"""The benchmark's data and checksums on the Python side, kept identical to bench/common.hpp.

The runner uses it to know how many rows each workload handles; sqlalchemy_bench.py uses it to make the
same rows and to check what it read.
"""

PETS_PER_OWNER = 10
WORKLOADS = ["W1", "W2", "W3", "W4", "W5-eager", "W5-lazy", "W6"]
READ_WORKLOADS = {"W3", "W4", "W5-eager", "W5-lazy"}


def customer_name(i):
    return "customer name %d" % i


def customer_description(i):
    return "customer description %d" % i


def updated_description(old):
    return "updated " + old


def owner_name(i):
    return "owner %d" % i


def pet_name(k):
    return "pet %d" % k


def ids(table_rows, count):
    """W3's "random" ids: the same 64-bit LCG as bench::IdSequence."""
    x = 42
    for _ in range(count):
        x = (x * 6364136223846793005 + 1442695040888963407) & 0xFFFFFFFFFFFFFFFF
        yield (x >> 33) % table_rows + 1


def customer_checksum(id_, name, description):
    return id_ + len(name) + len(description)


def owner_checksum(id_, name, pets):
    """pets: (pet id, pet name) pairs."""
    return id_ + len(name) + sum(pid * id_ + len(pname) for pid, pname in pets)


def expected_checksum(workload, rows, table_rows):
    """The checksum a correct program reports for a read workload; None for write workloads."""
    def cust(i):
        return customer_checksum(i, customer_name(i), customer_description(i))

    def owner(i):
        first = (i - 1) * PETS_PER_OWNER + 1
        return owner_checksum(i, owner_name(i), [(k, pet_name(k)) for k in range(first, first + PETS_PER_OWNER)])

    if workload == "W3":
        return sum(cust(i) for i in ids(table_rows, rows))
    if workload == "W4":
        return sum(cust(i) for i in range(1, rows + 1))
    if workload in ("W5-eager", "W5-lazy"):
        return sum(owner(i) for i in range(1, rows + 1))
    return None


def expected_rows(workload, rows):
    """Rows a workload handles, for rows per second: W5 counts owners and pets."""
    if workload in ("W5-eager", "W5-lazy"):
        return rows * (1 + PETS_PER_OWNER)
    return rows
