// cxx: libstdc++ on svos: iostream, containers, algorithms, strings, exceptions.
#include <algorithm>
#include <iomanip>
#include <iostream>
#include <map>
#include <numeric>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

static int parse(const std::string &s) {
    size_t used = 0;
    int v = std::stoi(s, &used);
    if (used != s.size())
        throw std::invalid_argument("trailing characters in \"" + s + "\"");
    return v;
}

int main() {
    std::vector<int> v(20);
    std::iota(v.begin(), v.end(), 1);
    std::reverse(v.begin(), v.end());
    std::stable_sort(v.begin(), v.end(), [](int a, int b) { return a % 3 < b % 3; });
    for (int x : v)
        std::cout << x << ' ';
    std::cout << '\n';
    std::map<std::string, int> words;
    std::istringstream text("the quick brown fox jumps over the lazy dog the end");
    for (std::string w; text >> w;)
        words[w]++;
    for (auto &[w, n] : words)
        std::cout << w << '=' << n << ' ';
    std::cout << '\n';
    std::cout << std::fixed << std::setprecision(6) << 1.0 / 7 << ' ' << std::scientific << 6.02e23 << '\n';
    for (const char *s : {"42", "-7", "12abc", "x"}) {
        try {
            std::cout << "parse(" << s << ") = " << parse(s) << '\n';
        } catch (const std::invalid_argument &e) {
            std::cout << "parse(" << s << ") threw invalid_argument: " << e.what() << '\n';
        }
    }
    std::vector<std::vector<double>> big(256, std::vector<double>(1024, 1.5));
    double sum = 0;
    for (auto &row : big)
        sum = std::accumulate(row.begin(), row.end(), sum);
    std::cout << "sum of 256 KiB doubles " << std::defaultfloat << sum << std::endl;
    return 0;
}
