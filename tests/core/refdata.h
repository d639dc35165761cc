// Readers for the reference data the tests compare against. The files are written by
// tests/data/gen_*_refs.py from numpy, scipy and scikit-learn; MICROLEARN_TEST_DATA is their folder.
#pragma once
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace refdata {

struct RefArray {
    size_t rows = 0, cols = 0;
    std::vector<double> v;
    double at(size_t r, size_t c) const { return v.at(r * cols + c); }
};

inline std::string path_of(const std::string& file) {
    return std::string(MICROLEARN_TEST_DATA) + "/" + file;
}

// Blocks of `<name> <rows> <cols>` followed by rows*cols numbers; '#' starts a comment line.
inline std::map<std::string, RefArray> load_arrays(const std::string& file) {
    std::map<std::string, RefArray> out;
    const std::string path = path_of(file);
    FILE* f = std::fopen(path.c_str(), "r");
    if (f == nullptr) {
        ADD_FAILURE() << "cannot open " << path << " (run its tests/data/gen_*_refs.py)";
        return out;
    }
    char line[256];
    for (;;) {
        const int c = std::fgetc(f);
        if (c == EOF) {
            break;
        }
        if (c == '#' || c == '\n') {
            if (c == '#' && std::fgets(line, sizeof line, f) == nullptr) {
                break;
            }
            continue;
        }
        std::ungetc(c, f);
        char name[128];
        RefArray a;
        if (std::fscanf(f, "%127s %zu %zu", name, &a.rows, &a.cols) != 3) {
            ADD_FAILURE() << "bad header in " << path;
            break;
        }
        a.v.resize(a.rows * a.cols);
        for (double& x : a.v) {
            if (std::fscanf(f, "%lf", &x) != 1) {
                ADD_FAILURE() << "short array " << name << " in " << path;
                break;
            }
        }
        out[name] = a;
        if (std::fscanf(f, "%*[ \n]") == EOF) {
            break;
        }
    }
    std::fclose(f);
    return out;
}

// One record a line, `<name> <count> <values...>`; '#' starts a comment line.
inline std::map<std::string, std::vector<double>> load_records(const std::string& file) {
    std::map<std::string, std::vector<double>> refs;
    std::ifstream in(path_of(file));
    if (!in) {
        ADD_FAILURE() << "cannot open " << path_of(file);
    }
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') {
            continue;
        }
        std::istringstream fields(line);
        std::string name;
        size_t count = 0;
        fields >> name >> count;
        std::vector<double> values(count);
        for (double& v : values) {
            fields >> v;
        }
        if (fields) {
            refs[name] = values;
        }
    }
    return refs;
}

inline std::vector<float> floats(const RefArray& a) { return std::vector<float>(a.v.begin(), a.v.end()); }

} // namespace refdata
