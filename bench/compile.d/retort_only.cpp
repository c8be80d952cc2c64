// bench/compile: the cost of including Retort's Core (expressions, schema, engine) and nothing else.
#include <retort/retort.hpp>
