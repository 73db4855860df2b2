import { Table, Tabs } from '@mantine/core';
import type { ReactNode } from 'react';

/** A chart and the same numbers as a table (the table is what screen readers and keyboards use). */
export function ChartWithTable({
  title,
  chart,
  columns,
  rows,
}: {
  title: string;
  chart: ReactNode;
  columns: string[];
  rows: (string | number)[][];
}) {
  return (
    <Tabs defaultValue="chart" keepMounted={false}>
      <Tabs.List aria-label={`${title}: chart or table`}>
        <Tabs.Tab value="chart">Chart</Tabs.Tab>
        <Tabs.Tab value="table">Table</Tabs.Tab>
      </Tabs.List>
      <Tabs.Panel value="chart" pt="xs">
        <div aria-hidden="true">{chart}</div>
      </Tabs.Panel>
      <Tabs.Panel value="table" pt="xs">
        <Table.ScrollContainer minWidth={300} mah={320}>
          <Table striped aria-label={title}>
            <Table.Thead>
              <Table.Tr>
                {columns.map((column) => (
                  <Table.Th key={column}>{column}</Table.Th>
                ))}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.map((row, index) => (
                <Table.Tr key={index}>
                  {row.map((cell, position) => (
                    <Table.Td key={position}>{cell}</Table.Td>
                  ))}
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      </Tabs.Panel>
    </Tabs>
  );
}
