{{
    config(
        materialized='incremental',
        unique_key='order_id',
        incremental_strategy='merge',
        on_schema_change='append_new_columns',
        meta={'owner': '@juniper-outfitters/commerce-analytics'}
    )
}}

with orders as (

    select * from {{ ref('stg_shop__orders') }}
    {% if is_incremental() %}
    where updated_at > (select max(updated_at) from {{ this }})
    {% endif %}

),

order_items as (

    select * from {{ ref('int_order_items_enriched') }}

),

payments as (

    select * from {{ ref('int_payments_pivoted_to_orders') }}

),

order_totals as (

    select
        order_id,
        count(*) as item_count,
        sum(line_total) as subtotal,
        sum(line_discount) as discount_total
    from order_items
    group by order_id

)

select
    orders.order_id,
    orders.customer_id,
    orders.order_status,
    orders.ordered_at,
    orders.updated_at,
    order_totals.item_count,
    order_totals.subtotal,
    order_totals.discount_total,
    payments.credit_card_amount,
    payments.paypal_amount,
    payments.gift_card_amount,
    payments.store_credit_amount,
    payments.total_amount as amount
from orders
left join order_totals
    on orders.order_id = order_totals.order_id
left join payments
    on orders.order_id = payments.order_id
