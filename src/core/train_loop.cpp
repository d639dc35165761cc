// train_loop() (declared in linreg.h) in a file of its own: emlearn_logreg's native module links
// it without the rest of linreg.cpp (the natmod linker keeps every function of an object file).
#include "linreg.h"

#include "float_checks.h"

namespace microlearn {

Status train_loop(const TrainOptions* options, Status (*step)(void* model),
                  Status (*score)(void* model, float* score), void* model, TrainResult* result) {
    if (options == nullptr || step == nullptr || score == nullptr || result == nullptr ||
        options->max_iterations < 1 || options->check_interval < 1) {
        return Status::InvalidArgument;
    }
    const TrainOptions& o = *options;
    float previous = __builtin_huge_valf();
    float current = __builtin_huge_valf();
    TrainStop stop = TrainStop::MaxIterations;
    uint32_t iteration = 0;
    // Steps until the next check (iterations 0, check_interval, 2 * check_interval...): counted,
    // not iteration % check_interval, a library call per step on cores without a divide.
    uint32_t until_check = 0;
    for (;; iteration++) {
        Status s = step(model);
        if (s != Status::Ok) {
            return s;
        }
        if (until_check-- == 0) {
            until_check = o.check_interval - 1u;
            s = score(model, &current);
            if (s != Status::Ok) {
                return s;
            }
            if (o.on_check != nullptr) {
                o.on_check(o.context, iteration, current);
            }
            const float change =
                float_greater(previous, current) ? previous - current : current - previous;
            const bool settled =
                float_greater(o.tolerance, change) && iteration > 2u * o.check_interval;
            const bool limit = o.has_score_limit && float_greater_equal(o.score_limit, current);
            if (settled || limit) {
                stop = settled ? TrainStop::Converged : TrainStop::ScoreLimit;
                break;
            }
            if (float_greater(current, previous * o.divergence_factor) || float_is_nan(current)) {
                stop = TrainStop::Diverged;
                break;
            }
            previous = current;
        }
        if (iteration + 1 >= o.max_iterations) {
            break;
        }
    }
    result->last_iteration = iteration;
    result->steps = iteration + 1;
    result->score = current;
    result->previous_score = previous;
    result->stop = stop;
    return Status::Ok;
}

} // namespace microlearn
