// train_loop() (declared in linreg.h) in a file of its own: emlearn_logreg's native module links
// it without the rest of linreg.cpp (the natmod linker keeps every function of an object file).
#include "linreg.h"

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
    for (;; iteration++) {
        Status s = step(model);
        if (s != Status::Ok) {
            return s;
        }
        if (iteration % o.check_interval == 0) {
            s = score(model, &current);
            if (s != Status::Ok) {
                return s;
            }
            if (o.on_check != nullptr) {
                o.on_check(o.context, iteration, current);
            }
            const float change = previous > current ? previous - current : current - previous;
            const bool settled = change < o.tolerance && iteration > 2u * o.check_interval;
            const bool limit = o.has_score_limit && current <= o.score_limit;
            if (settled || limit) {
                stop = settled ? TrainStop::Converged : TrainStop::ScoreLimit;
                break;
            }
            if (current > previous * o.divergence_factor || current != current) {
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
