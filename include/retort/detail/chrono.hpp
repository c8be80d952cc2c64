// std::chrono's durations, time points and clocks for Retort's public headers, without the rest of <chrono>.
//
// Since C++20, <chrono> also brings the calendar, time zones and their stream output, and with them <sstream>:
// about a third of a second of every translation unit that includes a Retort header. libstdc++ (GCC 11 and
// later) keeps durations, time points, clocks and the chrono literals in <bits/chrono.h>, which is all the
// API here needs; elsewhere this is <chrono> itself. A program that uses the calendar or prints durations
// includes <chrono> as usual.
#pragma once

#if defined(__GLIBCXX__) && __has_include(<bits/chrono.h>)
#include <bits/chrono.h>  // NOLINT: libstdc++'s durations and clocks
#else
#include <chrono>
#endif
