#include "panels/summarypage.h"

#include "model/format.h"
#include "models/toplistmodel.h"
#include "models/verdictmodel.h"
#include "panels/bardelegate.h"
#include "report/incompletedata.h"
#include "report/readablestack.h"

#include <QFrame>
#include <QGridLayout>
#include <QHeaderView>
#include <QLabel>
#include <QTableView>
#include <QTreeView>
#include <QVBoxLayout>

#include <algorithm>

namespace coroscope::ui {
namespace {

QLabel* heading(const QString& text, QWidget* parent) {
    auto* label = new QLabel(QStringLiteral("<b>%1</b>").arg(text.toHtmlEscaped()), parent);
    label->setContentsMargins(0, 8, 0, 2);
    return label;
}

QString taskLabel(const QString& name, std::uint64_t id) {
    return id ? QStringLiteral("%1 #%2").arg(name.isEmpty() ? QStringLiteral("task") : name).arg(id)
              : QString();
}

} // namespace

SummaryPage::SummaryPage(QWidget* parent)
    : QScrollArea(parent)
    , m_verdictModel(new VerdictModel(this))
    , m_slowest(new TopListModel(tr("Blocked"), tr("Where"), this))
    , m_busiest(new TopListModel(tr("Busy"), tr("Spawned at"), this))
    , m_mostHeap(new TopListModel(tr("Live heap"), tr("Allocated"), this))
    , m_worstMetrics(new TopListModel(tr("p99"), tr("Samples"), this)) {
    setObjectName(QStringLiteral("SummaryPage"));
    setWidgetResizable(true);
    setFrameShape(QFrame::NoFrame);
    auto* content = new QWidget(this);
    auto* layout = new QVBoxLayout(content);
    layout->setContentsMargins(12, 8, 12, 8);

    m_blocked = new QLabel(content);
    m_blocked->setObjectName(QStringLiteral("blockedNow"));
    m_blocked->setWordWrap(true);
    m_blocked->setStyleSheet(QStringLiteral("QLabel { color: white; background: #cf222e; padding: 6px; }"));
    m_blocked->hide();
    m_title = new QLabel(content);
    m_title->setWordWrap(true);
    m_title->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_incomplete = new QLabel(content);
    m_incomplete->setWordWrap(true);
    m_incomplete->setStyleSheet(
        QStringLiteral("QLabel { color: black; background: #fff1c2; padding: 6px; }"));
    m_incomplete->hide();
    layout->addWidget(m_blocked);
    layout->addWidget(m_title);
    layout->addWidget(m_incomplete);

    // The headline figures, five to a row: what heaptrack_gui's summary leads with.
    auto* figures = new QGridLayout;
    figures->setSpacing(6);
    const std::pair<const char*, const char*> kFigures[] = {
        {"Status", "How the run ended, or that it is running"},
        {"Duration", "Wall time from the start of main"},
        {"Tasks", "Tasks spawned, and how many are in each state"},
        {"Slow callbacks", "Dispatches longer than the slow-callback threshold"},
        {"Worst block", "The longest time the event loop was blocked by one callback"},
        {"Loop lag p99", "How late a 10 ms timer was served, 99th percentile (p50 below)"},
        {"Max lag", "The latest a timer was ever served: the longest freeze of the loop"},
        {"Busy", "Share of the run the loop spent dispatching (not waiting)"},
        {"RSS peak", "The largest resident set size of the runner (at the end below)"},
        {"Heap", "Heap in use at the end (or now), and its growth"},
    };
    for (const auto& [caption, tip] : kFigures)
        m_figures.push_back(addFigure(figures, int(m_figures.size()), tr(caption), tr(tip)));
    layout->addLayout(figures);

    layout->addWidget(heading(tr("Verdicts"), content));
    m_verdictView = new QTreeView(content);
    m_verdictView->setObjectName(QStringLiteral("verdicts"));
    m_verdictView->setModel(m_verdictModel);
    m_verdictView->setUniformRowHeights(true);
    m_verdictView->setAlternatingRowColors(true);
    m_verdictView->setWordWrap(true);
    m_verdictView->header()->setStretchLastSection(false);
    m_verdictView->header()->setSectionResizeMode(VerdictModel::Verdict, QHeaderView::Stretch);
    m_verdictView->header()->setSectionResizeMode(VerdictModel::Where, QHeaderView::ResizeToContents);
    m_verdictView->header()->setSectionResizeMode(VerdictModel::Count, QHeaderView::ResizeToContents);
    m_verdictView->setMinimumHeight(140);
    connect(m_verdictView, &QTreeView::activated, this, [this](const QModelIndex& index) {
        // A slow callback is about a line (where the loop blocked); the other rules are about a
        // task (it grows, it is stuck, it leaked, its error was never retrieved), whose location
        // is only where it was spawned: those lead to the task.
        const QString location = index.data(VerdictModel::LocationRole).toString();
        const auto task = index.data(VerdictModel::TaskIdRole).toULongLong();
        const bool aboutALine =
            index.data(VerdictModel::RuleRole).toString() == QLatin1String("slow-callback");
        if (task && (!aboutALine || location.isEmpty()))
            Q_EMIT taskActivated(task);
        else if (!location.isEmpty())
            Q_EMIT locationActivated(location, task);
    });
    m_noVerdict = new QLabel(content);
    m_noVerdict->setWordWrap(true);
    layout->addWidget(m_noVerdict);
    layout->addWidget(m_verdictView, 2);

    auto* lists = new QGridLayout;
    lists->setSpacing(8);
    addTopList(lists, 0, tr("Slowest callbacks"), m_slowest);
    addTopList(lists, 1, tr("Busiest tasks"), m_busiest);
    addTopList(lists, 2, tr("Most heap"), m_mostHeap);
    addTopList(lists, 3, tr("Worst metrics (p99)"), m_worstMetrics);
    layout->addLayout(lists, 3);
    setWidget(content);
    clear();
}

SummaryPage::Figure SummaryPage::addFigure(QGridLayout* grid, int at, const QString& caption,
                                           const QString& tip) {
    auto* box = new QFrame(this);
    box->setFrameShape(QFrame::StyledPanel);
    box->setToolTip(tip);
    auto* layout = new QVBoxLayout(box);
    layout->setContentsMargins(8, 4, 8, 4);
    layout->setSpacing(0);
    Figure f;
    f.name = caption;
    f.caption = new QLabel(box);
    f.value = new QLabel(box);
    QFont big = f.value->font();
    big.setPointSizeF(big.pointSizeF() * 1.5);
    big.setBold(true);
    f.value->setFont(big);
    f.value->setTextInteractionFlags(Qt::TextSelectableByMouse);
    f.caption->setWordWrap(true);
    layout->addWidget(f.value);
    layout->addWidget(f.caption);
    grid->addWidget(box, at / 5, at % 5);
    return f;
}

void SummaryPage::setFigure(Figure& figure, const QString& value, const QString& detail) {
    figure.value->setText(value);
    figure.detail = detail;
    figure.caption->setText(detail.isEmpty() ? figure.name : figure.name + QStringLiteral(" · ") + detail);
}

QTableView* SummaryPage::addTopList(QGridLayout* grid, int at, const QString& title, TopListModel* model) {
    auto* box = new QWidget(this);
    auto* layout = new QVBoxLayout(box);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(heading(title, box));
    auto* view = new QTableView(box);
    view->setObjectName(title);
    view->setModel(model);
    view->setItemDelegateForColumn(TopListModel::Value, new BarDelegate(TopListModel::FractionRole, view));
    view->setSelectionBehavior(QAbstractItemView::SelectRows);
    view->setSelectionMode(QAbstractItemView::SingleSelection);
    view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    view->verticalHeader()->hide();
    view->setShowGrid(false);
    view->horizontalHeader()->setSectionResizeMode(TopListModel::Name, QHeaderView::Stretch);
    view->horizontalHeader()->setSectionResizeMode(TopListModel::Value, QHeaderView::Fixed);
    view->horizontalHeader()->resizeSection(TopListModel::Value, 120);
    view->horizontalHeader()->setSectionResizeMode(TopListModel::Detail, QHeaderView::Stretch);
    const int rowHeight = view->fontMetrics().height() + 8;
    view->verticalHeader()->setDefaultSectionSize(rowHeight);
    view->setMinimumHeight(view->horizontalHeader()->sizeHint().height() + kTopRows * rowHeight + 4);
    connect(view, &QTableView::activated, this, [this, model](const QModelIndex& index) {
        const QVariant target = index.data(TopListModel::TargetRole);
        if (model == m_slowest)
            Q_EMIT slowCallbackActivated(target.toULongLong());
        else if (model == m_worstMetrics)
            Q_EMIT metricActivated(target.toString());
        else
            Q_EMIT taskActivated(target.toULongLong());
    });
    layout->addWidget(view);
    grid->addWidget(box, at / 2, at % 2);
    return view;
}

void SummaryPage::clear(const QString& message) {
    m_blocked->hide();
    m_incomplete->hide();
    m_title->setText(message.isEmpty()
                         ? tr("Open a workload script (Ctrl+O) and run it (F5), or open a session.")
                         : message);
    for (Figure& f : m_figures)
        setFigure(f, QStringLiteral("—"));
    m_verdictModel->setDiagnostics({});
    m_noVerdict->clear();
    for (TopListModel* model : {m_slowest, m_busiest, m_mostHeap, m_worstMetrics})
        model->setRows({});
}

void SummaryPage::setSession(const session::SessionData& data, bool running) {
    running = running && !data.finished; // a session with its end written is over, runner or not
    const RunSnapshot& s = data.snapshot;
    const SlowCallback* worst = nullptr;
    const SlowCallback* blockingNow = nullptr;
    for (const SlowCallback& c : s.slowCallbacks) {
        if (!worst || c.durationNs > worst->durationNs)
            worst = &c;
        if (c.ongoing && running) // a killed runner blocks nothing
            blockingNow = &c;
    }
    // The moment the profiler exists for: said first, in red, while it lasts.
    m_blocked->setVisible(blockingNow);
    if (blockingNow)
        m_blocked->setText(tr("<b>The loop is blocked now</b>: for %1%2%3")
                               .arg(formatDuration(blockingNow->durationNs),
                                    blockingNow->taskName.isEmpty()
                                        ? QString()
                                        : tr(" in task '%1'").arg(blockingNow->taskName.toHtmlEscaped()),
                                    blockingNow->location.isEmpty()
                                        ? QString()
                                        : tr(" at %1").arg(blockingNow->location.toHtmlEscaped())));
    const bool unfinished = data.info.status == RunStatus::Unfinished;
    const QString status = running && unfinished ? tr("running") : runStatusName(data.info.status);
    m_title->setText(tr("<b>%1</b> — %2%3")
                         .arg(data.info.script.toHtmlEscaped(), status.toHtmlEscaped(),
                              data.startedAt.isEmpty()
                                  ? QString()
                                  : tr(", started %1").arg(data.startedAt.toHtmlEscaped())));
    // What the figures do not include (a truncated file, dropped events, a full disk): said
    // where they are read, as every report format says it.
    const QStringList lost = incompleteDataNotes(s, data.warnings);
    m_incomplete->setVisible(!lost.isEmpty());
    m_incomplete->setText(
        tr("<b>Incomplete data</b>: %1").arg(lost.join(QStringLiteral("; ")).toHtmlEscaped()));

    // While the loop is blocked its probe's due tick is already this late (the session's lag so
    // far): the max says so at once, not only once the tick fires after the block.
    std::int64_t lagMaxNs = s.loopLagMicros.max() * 1000;
    if (!data.timeSeries.empty())
        lagMaxNs = std::max(lagMaxNs, data.timeSeries.back().lagMaxNs);
    const std::int64_t durationNs =
        data.finished ? data.info.durationNs : std::max<std::int64_t>(0, s.nowNs - data.info.startNs);
    QStringList byState;
    for (int i = 0; i < kTaskStateCount; ++i)
        if (s.tasksByState[std::size_t(i)])
            byState << QStringLiteral("%1 %2")
                           .arg(s.tasksByState[std::size_t(i)])
                           .arg(taskStateLabel(TaskState(i)));
    int f = 0;
    setFigure(m_figures[f++], status, data.info.endReason);
    setFigure(m_figures[f++], formatDuration(durationNs));
    setFigure(m_figures[f++], QString::number(s.tasksTotal), byState.join(QStringLiteral(", ")));
    setFigure(m_figures[f++], QString::number(s.slowCallbacks.size()),
              tr("over %1").arg(formatDuration(data.info.slowThresholdNs)));
    setFigure(m_figures[f++], worst ? formatDuration(worst->durationNs) : QStringLiteral("—"),
              worst ? taskLabel(worst->taskName, worst->taskId) : QString());
    setFigure(m_figures[f++], formatDuration(s.loopLagMicros.percentile(99) * 1000),
              tr("p50 %1").arg(formatDuration(s.loopLagMicros.percentile(50) * 1000)));
    setFigure(m_figures[f++], formatDuration(lagMaxNs));
    setFigure(m_figures[f++], QStringLiteral("%1 %").arg(s.loopUtilization * 100, 0, 'f', 1));
    setFigure(m_figures[f++], formatBytes(double(s.memoryStats.rssPeakBytes)),
              tr("end %1").arg(formatBytes(double(s.memoryStats.rssEndBytes))));
    setFigure(m_figures[f++], formatBytes(double(s.memoryStats.heapEndBytes)),
              s.memoryStats.growthSpanNs > 0
                  ? tr("%1/s").arg(formatBytes(s.memoryStats.heapGrowthBytesPerSecond))
                  : QString());

    if (m_verdictModel->setDiagnostics(s.diagnostics))
        m_verdictView->expandToDepth(-1);
    m_noVerdict->setText(s.diagnostics.empty() ? (running ? tr("No diagnostic rule found a problem yet.")
                                                          : tr("No diagnostic rule found a problem."))
                                               : QString());
    m_noVerdict->setVisible(s.diagnostics.empty());

    std::vector<const SlowCallback*> slow;
    for (const SlowCallback& c : s.slowCallbacks)
        slow.push_back(&c);
    const auto top = std::min<std::size_t>(slow.size(), kTopRows);
    std::partial_sort(slow.begin(), slow.begin() + std::ptrdiff_t(top), slow.end(),
                      [](auto* a, auto* b) { return a->durationNs > b->durationNs; });
    std::vector<TopListModel::Row> rows;
    for (std::size_t i = 0; i < top; ++i) {
        const SlowCallback& c = *slow[i];
        rows.push_back({c.taskId ? taskLabel(c.taskName, c.taskId) : c.eventType, double(c.durationNs),
                        formatDuration(c.durationNs) + (c.ongoing ? tr(" (ongoing)") : QString()),
                        // A launched program has no script line: its own frame says where.
                        c.location.isEmpty() ? firstInterestingFrame(c.stack).section(u' ', 1) : c.location,
                        qulonglong(c.dispatchSeq)});
    }
    m_slowest->setRows(std::move(rows));

    std::vector<const LatencyMetric*> metrics;
    for (const LatencyMetric& m : s.latency)
        metrics.push_back(&m);
    std::sort(metrics.begin(), metrics.end(),
              [](auto* a, auto* b) { return a->micros.percentile(99) > b->micros.percentile(99); });
    rows.clear();
    for (std::size_t i = 0; i < std::min<std::size_t>(metrics.size(), kTopRows); ++i) {
        const LatencyMetric& m = *metrics[i];
        const std::int64_t p99 = m.micros.percentile(99) * 1000;
        rows.push_back(
            {m.name.left(200), double(p99), formatDuration(p99),
             tr("%1 samples, max %2").arg(m.micros.count()).arg(formatDuration(m.micros.max() * 1000)),
             m.name});
    }
    m_worstMetrics->setRows(std::move(rows));
}

void SummaryPage::setTopTasks(std::vector<TaskInfo> busiest, std::vector<TaskInfo> mostHeap) {
    std::vector<TopListModel::Row> rows;
    for (const TaskInfo& t : busiest)
        if (t.busyNs > 0)
            rows.push_back({taskLabel(t.name, t.id), double(t.busyNs), formatDuration(t.busyNs),
                            t.spawnLocation, qulonglong(t.id)});
    m_busiest->setRows(std::move(rows));
    rows.clear();
    for (const TaskInfo& t : mostHeap)
        if (t.liveBytes > 0)
            rows.push_back({taskLabel(t.name, t.id), double(t.liveBytes), formatBytes(double(t.liveBytes)),
                            formatBytes(double(t.allocatedBytes)), qulonglong(t.id)});
    m_mostHeap->setRows(std::move(rows));
}

QString SummaryPage::text() const {
    QStringList lines;
    if (m_blocked->isVisibleTo(this))
        lines << m_blocked->text();
    lines << m_title->text();
    for (const Figure& f : m_figures)
        lines << f.name + QStringLiteral(": ") + f.value->text() +
                     (f.detail.isEmpty() ? QString() : QStringLiteral(" (") + f.detail + u')');
    if (m_incomplete->isVisibleTo(this))
        lines << m_incomplete->text();
    if (!m_noVerdict->text().isEmpty())
        lines << m_noVerdict->text();
    return lines.join(u'\n');
}

} // namespace coroscope::ui
