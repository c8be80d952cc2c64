// bench/compile: the cost of including Retort's ORM (and with it the Core) and nothing else.
#include <retort/orm.hpp>
