// bench/compile: the cost of the forward declarations a header that only passes Retort's handles around needs.
#include <retort/fwd.hpp>
