// train() glue shared by emlearn_linreg and emlearn_logreg on CPython: keyword arguments into
// api::TrainArgs, and the reference's verbose log lines.
#pragma once
#include <memory>
#include <string>

#include "pyglue.h"
#include "train_api.h"

namespace pyglue {

inline microlearn::api::TrainArgs train_args(py::handle max_iterations, py::handle tolerance,
                                             py::handle check_interval,
                                             py::handle divergence_factor, py::handle score_limit,
                                             py::handle verbose) {
    microlearn::api::TrainArgs a = microlearn::api::train_defaults();
    a.max_iterations = get_int32(max_iterations);
    a.tolerance = get_float(tolerance);
    a.check_interval = get_int32(check_interval);
    a.divergence_factor = get_float(divergence_factor);
    a.has_score_limit = !score_limit.is_none();
    a.score_limit = a.has_score_limit ? get_float(score_limit) : 0.0f;
    a.verbose = get_int32(verbose);
    return a;
}

// Prints "<prefix> Iteration <i> <score_name>=<score>" at each check (verbose >= 2). A Python
// error inside the callback cannot unwind through the engine: it is kept and raised afterwards.
class TrainLog {
  public:
    TrainLog(const char* prefix, const char* score_name) : prefix_(prefix), score_(score_name) {}

    static void on_check(void* context, uint32_t iteration, float score) {
        TrainLog* self = static_cast<TrainLog*>(context);
        if (self->error_) {
            return;
        }
        try {
            py::print(self->prefix_, "Iteration " + std::to_string(iteration) + " " + self->score_ +
                                         "=" +
                                         py::repr(py::float_(double(score))).cast<std::string>());
        } catch (py::error_already_set& e) {
            self->error_ = std::make_unique<py::error_already_set>(std::move(e));
        }
    }

    void rethrow() {
        if (error_) {
            throw *error_;
        }
    }

    // Prints the stop reason (verbose >= 1) and builds train()'s return value.
    py::tuple finish(const microlearn::api::TrainArgs& args,
                     const microlearn::TrainResult& result) const {
        if (args.verbose >= 1 && result.stop != microlearn::TrainStop::MaxIterations) {
            py::print(prefix_, std::string(microlearn::api::train_stop_text(result.stop)) + " " +
                                   std::to_string(result.last_iteration));
        }
        return py::make_tuple(result.last_iteration, double(result.score));
    }

  private:
    const char* prefix_;
    const char* score_;
    std::unique_ptr<py::error_already_set> error_;
};

} // namespace pyglue
