#include "panels/sitespage.h"

#include "charts/chartstyle.h"
#include "charts/timechart.h"
#include "models/awaitsitemodel.h"
#include "models/spawnsitemodel.h"
#include "panels/sortedtable.h"

#include <QChart>
#include <QChartView>
#include <QHeaderView>
#include <QLabel>
#include <QLegend>
#include <QLineSeries>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>
#include <QValueAxis>

#include <algorithm>

namespace coroscope::ui {
namespace {

QLabel* heading(const QString& text, QWidget* parent) {
    auto* label = new QLabel(text, parent);
    QFont font = label->font();
    font.setBold(true);
    label->setFont(font);
    return label;
}

QLabel* note(QWidget* parent) {
    auto* label = new QLabel(parent);
    label->setWordWrap(true);
    return label;
}

/// The key of the view's current row under `role` ("" when none).
QString currentKey(const QTableView* view, int role) {
    const QModelIndex current = view->selectionModel()->currentIndex();
    return current.isValid() ? current.data(role).toString() : QString();
}

} // namespace

SitesPage::SitesPage(QWidget* parent)
    : QWidget(parent) {
    m_awaitModel = new AwaitSiteModel(this);
    m_spawnModel = new SpawnSiteModel(this);

    auto* layout = new QVBoxLayout(this);
    auto* splitter = new QSplitter(Qt::Vertical, this);
    layout->addWidget(splitter);

    auto* awaitBox = new QWidget(splitter);
    auto* awaitLayout = new QVBoxLayout(awaitBox);
    awaitLayout->setContentsMargins(0, 0, 0, 0);
    awaitLayout->addWidget(heading(tr("Await sites"), awaitBox));
    m_awaitNote = note(awaitBox);
    awaitLayout->addWidget(m_awaitNote);
    m_awaitView = addTable(m_awaitModel, AwaitSiteModel::SortRole);
    awaitLayout->addWidget(m_awaitView, 1);
    // Where the time went first, as in the HTML report.
    m_awaitView->sortByColumn(AwaitSiteModel::Total, Qt::DescendingOrder);

    auto* spawnBox = new QWidget(splitter);
    auto* spawnLayout = new QVBoxLayout(spawnBox);
    spawnLayout->setContentsMargins(0, 0, 0, 0);
    spawnLayout->addWidget(heading(tr("Spawn sites"), spawnBox));
    m_spawnNote = note(spawnBox);
    spawnLayout->addWidget(m_spawnNote);
    auto* spawnSplitter = new QSplitter(Qt::Horizontal, spawnBox);
    m_spawnBody = spawnSplitter;
    spawnLayout->addWidget(spawnSplitter, 1);
    m_spawnView = addTable(m_spawnModel, SpawnSiteModel::SortRole);
    spawnSplitter->addWidget(m_spawnView);
    // The session's order (alive at main's end, then spawned) is the one that finds a leak: no
    // column sort to start with, and a third click on a header goes back to it.
    m_spawnView->horizontalHeader()->setSortIndicatorClearable(true);
    m_spawnView->sortByColumn(-1, Qt::AscendingOrder);

    auto* chart = new QChart;
    followPalette(chart);
    chart->legend()->hide(); // one series, named by the title
    chart->setMargins(QMargins(4, 4, 4, 4));
    m_live = new QLineSeries;
    QPen pen(seriesColor(QString(), 0));
    pen.setWidthF(1.5);
    m_live->setPen(pen);
    chart->addSeries(m_live);
    m_x = new QValueAxis;
    m_y = new QValueAxis;
    m_y->setTitleText(tr("tasks alive"));
    chart->addAxis(m_x, Qt::AlignBottom);
    chart->addAxis(m_y, Qt::AlignLeft);
    m_live->attachAxis(m_x);
    m_live->attachAxis(m_y);
    m_chart = new QChartView(chart, spawnSplitter);
    m_chart->setRenderHint(QPainter::Antialiasing);
    m_chart->setMinimumHeight(TimeChart::kMinimumHeight);
    spawnSplitter->addWidget(m_chart);
    m_chart->setMinimumWidth(320);
    // The table's size hint asks for all the width: the chart gets its share from the start.
    spawnSplitter->setSizes({3000, 2000});
    splitter->setStretchFactor(0, 1);
    splitter->setStretchFactor(1, 1);

    connect(m_spawnView->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this] { showLiveCount(); });
    connect(m_awaitView, &QTableView::doubleClicked, this, [this](const QModelIndex& index) {
        const QString location = index.data(AwaitSiteModel::LocationRole).toString();
        if (!location.isEmpty())
            Q_EMIT locationActivated(location);
    });
    connect(m_spawnView, &QTableView::doubleClicked, this, [this](const QModelIndex& index) {
        const QString location = index.data(SpawnSiteModel::LocationRole).toString();
        if (!location.isEmpty())
            Q_EMIT locationActivated(location);
    });
    setData(nullptr);
}

QTableView* SitesPage::addTable(QAbstractItemModel* model, int sortRole) {
    QTableView* view = sortedTableView(model, sortRole, this);
    view->setAlternatingRowColors(true);
    view->horizontalHeader()->setSectionResizeMode(QHeaderView::Interactive);
    // Not the last section stretched: a wide "Max" column puts its figure far from the others.
    view->horizontalHeader()->setStretchLastSection(false);
    return view;
}

void SitesPage::restoreSelection(QTableView* view, int keyRole, const QString& key) {
    if (key.isEmpty() || currentKey(view, keyRole) == key)
        return; // nothing was selected, or a refresh that only changed figures kept it
    QAbstractItemModel* model = view->model();
    for (int row = 0; row < model->rowCount(); ++row) {
        const QModelIndex at = model->index(row, 0);
        if (at.data(keyRole).toString() == key) {
            view->selectionModel()->setCurrentIndex(at, QItemSelectionModel::ClearAndSelect |
                                                            QItemSelectionModel::Rows);
            return;
        }
    }
}

void SitesPage::setData(std::shared_ptr<const session::SessionData> data) {
    // A refresh that adds a site resets the model: the rows are found again by their key.
    const QString awaitKey = currentKey(m_awaitView, AwaitSiteModel::KeyRole);
    const QString spawnKey = currentKey(m_spawnView, SpawnSiteModel::LocationRole);
    const bool hadSpawnRow = m_spawnView->selectionModel()->currentIndex().isValid();
    m_data = std::move(data);
    m_awaitModel->setSession(m_data);
    m_spawnModel->setSession(m_data);
    restoreSelection(m_awaitView, AwaitSiteModel::KeyRole, awaitKey);
    restoreSelection(m_spawnView, SpawnSiteModel::LocationRole, spawnKey);
    // The chart shows the top leak suspect until the user picks another site.
    if (!hadSpawnRow && !m_spawnView->selectionModel()->currentIndex().isValid() &&
        m_spawnView->model()->rowCount() > 0)
        m_spawnView->selectionModel()->setCurrentIndex(m_spawnView->model()->index(0, 0),
                                                       QItemSelectionModel::ClearAndSelect |
                                                           QItemSelectionModel::Rows);

    const bool anyAwait = m_awaitModel->rowCount() > 0;
    const bool anySpawn = m_spawnModel->rowCount() > 0;
    if (!m_data) {
        m_awaitNote->setText(tr("Open or run a session to see where its tasks waited."));
        m_spawnNote->setText(tr("Open or run a session to see where its tasks were spawned."));
    } else {
        m_awaitNote->setText(anyAwait
                                 ? tr("Where tasks waited, by total time suspended: from each suspension "
                                      "to its resume. A site whose p99 is far above its p50 is where the "
                                      "slow requests wait. Double-click a row to see its line.")
                                 : tr("No task awaited anything."));
        m_spawnNote->setText(anySpawn ? tr("Where tasks were spawned, those still alive when main returned "
                                           "first: a site whose tasks outlive main is where to look for a "
                                           "leak. The chart shows the selected site's tasks alive over time.")
                                      : tr("No task was spawned."));
    }
    m_awaitView->setVisible(anyAwait);
    m_spawnBody->setVisible(anySpawn);
    if (anyAwait && !m_awaitColumnsSized) {
        m_awaitView->resizeColumnsToContents();
        m_awaitColumnsSized = true;
    }
    if (anySpawn && !m_spawnColumnsSized) {
        m_spawnView->resizeColumnsToContents();
        m_spawnColumnsSized = true;
    }
    showLiveCount();
}

QString SitesPage::awaitNote() const {
    return m_awaitNote->text();
}

QString SitesPage::spawnNote() const {
    return m_spawnNote->text();
}

void SitesPage::showLiveCount() {
    const QModelIndex current = m_spawnView->selectionModel()->currentIndex();
    const auto* proxy = static_cast<const QSortFilterProxyModel*>(m_spawnView->model());
    const SpawnSite* site =
        current.isValid() ? m_spawnModel->site(proxy->mapToSource(current).row()) : nullptr;
    QList<QPointF> points;
    double xMax = 0, yMax = 0;
    if (site && m_data) {
        const std::int64_t start = m_data->info.startNs;
        const auto seconds = [start](std::int64_t ns) { return double(ns - start) / 1e9; };
        // Each point is the most alive in its slice, from its time to the next point's: drawn
        // as steps, so a peak reads as a plateau rather than a slope into its neighbours.
        for (std::size_t i = 0; i < site->live.size(); ++i) {
            const auto [ns, alive] = site->live[i];
            if (i > 0)
                points.append(QPointF(seconds(ns), double(site->live[i - 1].second)));
            points.append(QPointF(seconds(ns), double(alive)));
            yMax = std::max(yMax, double(alive));
        }
        const double end = double(m_data->info.durationNs) / 1e9;
        if (!points.isEmpty() && end > points.back().x())
            points.append(QPointF(end, points.back().y()));
        xMax = points.isEmpty() ? 0 : std::max(points.back().x(), end);
        m_chartedLocation = site->location;
        m_chart->chart()->setTitle(
            tr("Alive over time: tasks spawned at %1")
                .arg(site->location.isEmpty() ? tr("an unknown place") : site->location));
    } else {
        m_chartedLocation.clear();
        m_chart->chart()->setTitle(tr("Select a spawn site to see its tasks alive over time"));
    }
    m_live->replace(points);
    m_live->setPointsVisible(points.size() < 3); // a lone point would draw nothing
    setNiceTicks(m_x, 0, std::max(1.0, xMax), 6, QStringLiteral("s"));
    // Whole numbers of tasks: no more ticks than there are counts to label.
    const double top = std::max(1.0, yMax * 1.05);
    setNiceTicks(m_y, 0, top, std::clamp(int(yMax), 1, 4), QString());
}

} // namespace coroscope::ui
