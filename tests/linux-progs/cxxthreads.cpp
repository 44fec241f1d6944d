// cxxthreads: C++ std::thread with std::mutex, std::condition_variable,
// std::atomic, thread_local, std::async/std::future and a timed wait.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <iostream>
#include <mutex>
#include <numeric>
#include <thread>
#include <vector>

static std::mutex m;
static std::condition_variable cv;
static long shared_total = 0;
static int finished = 0;
static std::atomic<long> hits{0};
static thread_local long mine = 0;

static void work(int id, int n) {
    for (int i = 0; i < n; i++) {
        mine += id;
        hits.fetch_add(1, std::memory_order_relaxed);
        std::lock_guard<std::mutex> g(m);
        shared_total += 1;
    }
    std::lock_guard<std::mutex> g(m);
    finished++;
    cv.notify_one();
    if (mine != static_cast<long>(id) * n)
        std::cout << "thread_local shared between threads!" << std::endl;
}

int main() {
    const int threads = 4, n = 5000;
    std::vector<std::thread> pool;
    for (int i = 1; i <= threads; i++)
        pool.emplace_back(work, i, n);
    {
        std::unique_lock<std::mutex> lk(m);
        cv.wait(lk, [] { return finished == threads; });
    }
    for (auto &t : pool)
        t.join();
    std::cout << "std::thread x" << threads << ": mutex total " << shared_total << ", atomic " << hits.load()
              << " (expected " << threads * n << ")" << std::endl;
    std::cout << "main's thread_local untouched: " << mine << std::endl;

    std::vector<long> v(100000);
    std::iota(v.begin(), v.end(), 0L);
    auto half = [&](size_t from, size_t to) { return std::accumulate(v.begin() + from, v.begin() + to, 0L); };
    auto f1 = std::async(std::launch::async, half, 0, v.size() / 2);
    auto f2 = std::async(std::launch::async, half, v.size() / 2, v.size());
    std::cout << "std::async halves: " << f1.get() + f2.get() << std::endl;

    std::unique_lock<std::mutex> lk(m);
    bool woke = cv.wait_for(lk, std::chrono::milliseconds(20), [] { return false; });
    std::cout << "condition_variable::wait_for timed out: " << (woke ? "no" : "yes") << std::endl;
    lk.unlock();

    std::promise<int> p;
    std::future<int> fut = p.get_future();
    std::thread producer([&p] { p.set_value(42); });
    std::cout << "promise from another thread: " << fut.get() << std::endl;
    producer.join();
    std::cout << "hardware_concurrency > 0: " << (std::thread::hardware_concurrency() > 0 ? "yes" : "no") << std::endl;
    return 0;
}
