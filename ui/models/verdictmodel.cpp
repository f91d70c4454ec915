#include "models/verdictmodel.h"

#include <QColor>

#include <algorithm>
#include <map>

namespace coroscope::ui {
namespace {

/// A finding's place: its script line when it has one, else its task's name (a task's verdicts
/// — stuck, leaked, never retrieved — group by the name all its instances share).
QString placeOf(const Diagnostic& d) {
    if (!d.location.isEmpty())
        return d.location;
    return d.taskName.isEmpty() ? QString() : QObject::tr("task '%1'").arg(d.taskName);
}

struct Group {
    const Diagnostic* worst = nullptr; ///< the most severe, then the first
    std::vector<const Diagnostic*> findings;
};

QStandardItem* makeItem(const QString& text) {
    auto* it = new QStandardItem(text);
    it->setEditable(false);
    it->setToolTip(text);
    return it;
}

} // namespace

VerdictModel::VerdictModel(QObject* parent)
    : QStandardItemModel(0, ColumnCount, parent) {
    setHorizontalHeaderLabels({tr("Verdict"), tr("Where"), tr("Count")});
}

QColor VerdictModel::severityColor(Severity severity) {
    switch (severity) {
    case Severity::Error:
        return QColor(0xcf, 0x22, 0x2e);
    case Severity::Warning:
        return QColor(0xd4, 0xa7, 0x2c);
    case Severity::Info:
        break;
    }
    return QColor(0x54, 0xae, 0xff);
}

bool VerdictModel::setDiagnostics(const std::vector<Diagnostic>& diagnostics) {
    std::vector<std::pair<std::uint64_t, QString>> signature;
    signature.reserve(diagnostics.size());
    for (const Diagnostic& d : diagnostics)
        signature.emplace_back(d.id, d.message);
    if (signature == m_signature)
        return false;
    m_signature = std::move(signature);

    std::map<std::pair<QString, QString>, Group> groups;
    for (const Diagnostic& d : diagnostics) {
        Group& g = groups[{d.rule, placeOf(d)}];
        g.findings.push_back(&d);
        if (!g.worst || d.severity > g.worst->severity)
            g.worst = &d;
    }
    std::vector<std::pair<const std::pair<QString, QString>*, const Group*>> order;
    for (const auto& [key, group] : groups)
        order.emplace_back(&key, &group);
    std::stable_sort(order.begin(), order.end(), [](const auto& a, const auto& b) {
        if (a.second->worst->severity != b.second->worst->severity)
            return a.second->worst->severity > b.second->worst->severity;
        return a.second->findings.size() > b.second->findings.size();
    });

    removeRows(0, rowCount());
    m_findings = int(diagnostics.size());
    for (const auto& [key, group] : order) {
        const Diagnostic& worst = *group->worst;
        const QString verdict =
            QStringLiteral("[%1] %2: %3")
                .arg(QString::fromLatin1(severityName(worst.severity)), key->first, worst.message);
        QList<QStandardItem*> row{makeItem(verdict), makeItem(key->second),
                                  makeItem(QString::number(group->findings.size()))};
        row[Verdict]->setData(severityColor(worst.severity), Qt::DecorationRole);
        row[Count]->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
        for (QStandardItem* cell : row) {
            cell->setData(qulonglong(worst.taskId), TaskIdRole);
            cell->setData(worst.location, LocationRole);
            cell->setData(int(worst.severity), SeverityRole);
            cell->setData(key->first, RuleRole);
            cell->setData(QString(key->first + u'\x1f' + key->second), GroupKeyRole);
        }
        if (group->findings.size() > 1)
            for (const Diagnostic* d : group->findings) {
                QList<QStandardItem*> child{makeItem(d->message), makeItem(placeOf(*d)), makeItem(QString())};
                child[Verdict]->setData(severityColor(d->severity), Qt::DecorationRole);
                for (QStandardItem* cell : child) {
                    cell->setData(qulonglong(d->taskId), TaskIdRole);
                    cell->setData(d->location, LocationRole);
                    cell->setData(int(d->severity), SeverityRole);
                    cell->setData(d->rule, RuleRole);
                }
                row[Verdict]->appendRow(child);
            }
        appendRow(row);
    }
    return true;
}

} // namespace coroscope::ui
