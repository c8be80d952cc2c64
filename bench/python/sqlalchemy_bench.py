#!/usr/bin/python3
"""SQLAlchemy ORM and Core for each workload, with the command line of the C++ programs plus --impl:

    sqlalchemy_bench.py --impl orm|core --workload W --db sqlite|postgresql|mariadb --target T --rows N [--table-rows M]

Prints {"seconds": s, "rows": n, "checksum": c} and exits 1 when the result is wrong. Written for SQLAlchemy 1.4
(Debian 12's python3-sqlalchemy) in its 2.0 style (future=True), with its default settings except one: file
SQLite databases get a QueuePool, as SQLAlchemy 2.0 gives them (1.4 would reconnect for every Session).
PostgreSQL goes through psycopg2, MariaDB through PyMySQL (utf8mb4). Run it with Debian's /usr/bin/python3, which
sees python3-sqlalchemy, python3-psycopg2 and python3-pymysql.
"""
import argparse
import json
import os
import sys
import time

import sqlalchemy as sa
from sqlalchemy import Column, ForeignKey, Integer, String, bindparam, select, update
from sqlalchemy.orm import Session, configure_mappers, declarative_base, relationship, selectinload

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import workloads as wl  # noqa: E402

Base = declarative_base()


class Customer(Base):
    __tablename__ = "customer"
    id = Column(Integer, primary_key=True)
    name = Column(String(255))
    description = Column(String(255))


class Owner(Base):
    __tablename__ = "owner"
    id = Column(Integer, primary_key=True)
    name = Column(String(255))
    pets = relationship("Pet")  # lazy="select", the default: W5-lazy's N+1


class Pet(Base):
    __tablename__ = "pet"
    id = Column(Integer, primary_key=True)
    name = Column(String(255))
    owner_id = Column(Integer, ForeignKey("owner.id"), index=True)


customer = Customer.__table__
owner = Owner.__table__
pet = Pet.__table__


class Timer:
    def start(self):
        self.t0 = time.perf_counter()

    def stop(self):
        self.seconds = time.perf_counter() - self.t0


def new_customers(n):
    return [Customer(name=wl.customer_name(i), description=wl.customer_description(i)) for i in range(1, n + 1)]


def customer_params(n):
    return [{"name": wl.customer_name(i), "description": wl.customer_description(i)} for i in range(1, n + 1)]


def owners_checksum(owners):
    """owners: (id, name, [(pet id, pet name)]) triples."""
    return sum(wl.owner_checksum(i, name, pets) for i, name, pets in owners)


# ---- ORM


def orm_w1(engine, a, t):
    t.start()
    with Session(engine, future=True) as s:
        s.add_all(new_customers(a.rows))
        s.commit()
    t.stop()
    return a.rows, None


def orm_w2(engine, a, t):
    t.start()
    for i in range(1, a.rows + 1):
        with Session(engine, future=True) as s:
            s.add(Customer(name=wl.customer_name(i), description=wl.customer_description(i)))
            s.commit()
    t.stop()
    return a.rows, None


def orm_w3(engine, a, t):
    total = 0
    t.start()
    for i in wl.ids(a.table_rows, a.rows):
        with Session(engine, future=True) as s:
            c = s.get(Customer, i)
            total += wl.customer_checksum(c.id, c.name, c.description)
    t.stop()
    return a.rows, total


def orm_w4(engine, a, t):
    with Session(engine, future=True) as s:
        t.start()
        objs = s.execute(select(Customer)).scalars().all()
        t.stop()
        return len(objs), sum(wl.customer_checksum(c.id, c.name, c.description) for c in objs)


def orm_owners(owners):
    return len(owners) + sum(len(o.pets) for o in owners), \
        owners_checksum((o.id, o.name, [(p.id, p.name) for p in o.pets]) for o in owners)


def orm_w5_eager(engine, a, t):
    with Session(engine, future=True) as s:
        t.start()
        owners = s.execute(select(Owner).options(selectinload(Owner.pets))).scalars().all()
        t.stop()
        return orm_owners(owners)


def orm_w5_lazy(engine, a, t):
    with Session(engine, future=True) as s:
        t.start()
        owners = s.execute(select(Owner).order_by(Owner.id).limit(a.rows)).scalars().all()
        for o in owners:
            o.pets  # the lazy load: one SELECT per owner
        t.stop()
        return orm_owners(owners)


def orm_w6(engine, a, t):
    t.start()
    with Session(engine, future=True) as s:
        objs = s.execute(select(Customer)).scalars().all()
        for c in objs:
            c.description = wl.updated_description(c.description)
        s.commit()
    t.stop()
    return len(objs), None


# ---- Core


def core_w1(engine, a, t):
    t.start()
    with engine.begin() as conn:
        conn.execute(customer.insert(), customer_params(a.rows))
    t.stop()
    return a.rows, None


def core_w2(engine, a, t):
    t.start()
    stmt = customer.insert()
    for i in range(1, a.rows + 1):
        with engine.begin() as conn:
            conn.execute(stmt, {"name": wl.customer_name(i), "description": wl.customer_description(i)})
    t.stop()
    return a.rows, None


def core_w3(engine, a, t):
    total = 0
    with engine.connect() as conn:
        t.start()
        stmt = select(customer).where(customer.c.id == bindparam("id"))
        for i in wl.ids(a.table_rows, a.rows):
            row = conn.execute(stmt, {"id": i}).one()
            total += wl.customer_checksum(row.id, row.name, row.description)
        t.stop()
    return a.rows, total


def core_w4(engine, a, t):
    with engine.connect() as conn:
        t.start()
        rows = conn.execute(select(customer)).all()
        t.stop()
        return len(rows), sum(wl.customer_checksum(r.id, r.name, r.description) for r in rows)


def core_owners(owners):
    return len(owners) + sum(len(o[2]) for o in owners), owners_checksum(owners)


def core_w5_eager(engine, a, t):
    owners = []
    with engine.connect() as conn:
        t.start()
        stmt = (select(owner.c.id, owner.c.name, pet.c.id, pet.c.name)
                .select_from(owner.outerjoin(pet)).order_by(owner.c.id))
        for oid, oname, pid, pname in conn.execute(stmt):
            if not owners or owners[-1][0] != oid:
                owners.append((oid, oname, []))
            if pid is not None:
                owners[-1][2].append((pid, pname))
        t.stop()
    return core_owners(owners)


def core_w5_lazy(engine, a, t):
    with engine.connect() as conn:
        t.start()
        owners = [(r.id, r.name, []) for r in conn.execute(select(owner).order_by(owner.c.id).limit(a.rows))]
        stmt = select(pet.c.id, pet.c.name).where(pet.c.owner_id == bindparam("owner_id"))
        for oid, _, pets in owners:
            pets.extend(tuple(r) for r in conn.execute(stmt, {"owner_id": oid}))
        t.stop()
    return core_owners(owners)


def core_w6(engine, a, t):
    t.start()
    with engine.begin() as conn:
        rows = conn.execute(select(customer)).all()
        stmt = (update(customer).where(customer.c.id == bindparam("b_id"))
                .values(description=bindparam("b_description")))
        conn.execute(stmt, [{"b_id": r.id, "b_description": wl.updated_description(r.description)} for r in rows])
    t.stop()
    return len(rows), None


IMPLS = {
    "orm": {"W1": orm_w1, "W2": orm_w2, "W3": orm_w3, "W4": orm_w4,
            "W5-eager": orm_w5_eager, "W5-lazy": orm_w5_lazy, "W6": orm_w6},
    "core": {"W1": core_w1, "W2": core_w2, "W3": core_w3, "W4": core_w4,
             "W5-eager": core_w5_eager, "W5-lazy": core_w5_lazy, "W6": core_w6},
}


def make_engine(a):
    if a.db == "sqlite":
        engine = sa.create_engine("sqlite:///" + a.target, future=True, poolclass=sa.pool.QueuePool)
    elif a.db == "mariadb":
        # The runner's target is Retort's URL, mysql://user@/db?unix_socket=PATH.
        url = a.target.replace("mysql://", "mysql+pymysql://", 1)
        engine = sa.create_engine(url + ("&" if "?" in url else "?") + "charset=utf8mb4", future=True)
    else:
        engine = sa.create_engine(a.target.replace("postgresql://", "postgresql+psycopg2://", 1), future=True)
    # Connect (and let the dialect look at the server) and configure the mappers outside the timed part.
    with engine.connect():
        pass
    configure_mappers()
    return engine


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--impl", required=True, choices=sorted(IMPLS))
    p.add_argument("--workload", required=True)
    p.add_argument("--db", required=True, choices=["sqlite", "postgresql", "mariadb"])
    p.add_argument("--target", required=True)
    p.add_argument("--rows", type=int, required=True)
    p.add_argument("--table-rows", type=int, default=0)
    a = p.parse_args()
    fn = IMPLS[a.impl].get(a.workload)
    if fn is None:
        sys.exit("sqlalchemy_bench.py: workload %s is not implemented for %s" % (a.workload, a.impl))
    t = Timer()
    rows, checksum = fn(make_engine(a), a, t)
    want_rows = wl.expected_rows(a.workload, a.rows)
    if rows != want_rows:
        sys.exit("sqlalchemy_bench.py: handled %d rows, expected %d" % (rows, want_rows))
    want = wl.expected_checksum(a.workload, a.rows, a.table_rows)
    if want is not None and checksum != want:
        sys.exit("sqlalchemy_bench.py: checksum %s, expected %d: the rows read are wrong" % (checksum, want))
    out = {"seconds": t.seconds, "rows": rows}
    if checksum is not None:
        out["checksum"] = checksum
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
